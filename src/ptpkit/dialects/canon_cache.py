"""What the ``canon-eos`` dialect knows from the camera's GetEvent records, without I/O.

An EOS camera never answers GetDevicePropDesc for its own properties: it reports every
value (PropValueChanged) and allowed-value list (AvailListChanged) in GetEvent records,
first all of them, then each change. :class:`EosCache` keeps them, and turns each record
into what the client's ``events()`` stream carries
(:class:`~ptpkit.aio.models.CameraEvent`, ``source="poll"``): ObjectAddedEx becomes
ObjectAdded (with the file name as its detail), ObjectRemoved and ObjectInfoChangedEx their
standard events, PropValueChanged DevicePropChanged (with the property's name and value in
words), the storage records StoreAdded/StoreRemoved/StorageInfoChanged, CameraStatusChanged
back to idle after a busy spell CaptureComplete; a capture held in the camera's memory
(RequestObjectTransfer) keeps its EOS event code. Allowed-value lists and OLCInfoChanged
only update the cache.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ptpkit.aio.models import CameraEvent
from ptpkit.proto.codes import TID_NONE, DataType, EventCode, GetSet
from ptpkit.proto.datasets import DevicePropDesc, PropEnum, PtpValue
from ptpkit.proto.vendors.canon import (
    EOS_PROPERTY_NAMES,
    EOS_READ_ONLY,
    VENDOR,
    AvailListChanged,
    CameraStatusChanged,
    CanonEventCode,
    EosImageFormat,
    EosRecord,
    EosValue,
    ObjectAddedEx,
    ObjectAddedEx64,
    ObjectInfoChangedEx,
    ObjectRemoved,
    OLCInfoChanged,
    ParamRecord,
    PropValueChanged,
    RequestObjectTransfer,
    RequestObjectTransfer64,
    UnknownRecord,
    eos_data_type,
    format_eos_value,
    plain_eos_value,
)

__all__ = ["EosCache", "MemoryCapture"]

_STORAGE_EVENTS: dict[int, int] = {
    CanonEventCode.StoreAdded: EventCode.StoreAdded,
    CanonEventCode.StoreRemoved: EventCode.StoreRemoved,
    CanonEventCode.StorageInfoChanged: EventCode.StorageInfoChanged,
}
_NAMES = {code: name for name, code in EOS_PROPERTY_NAMES.items()}


@dataclass(frozen=True, slots=True)
class MemoryCapture:
    """A picture the camera holds in its memory for us (RequestObjectTransfer)."""

    handle: int
    ofc: int
    size: int
    filename: str


class EosCache:
    """The camera's EOS properties and status as its records told them."""

    def __init__(self) -> None:
        self.values: dict[int, EosValue] = {}
        self.allowed: dict[int, tuple[EosValue, ...]] = {}
        #: The last CameraStatusChanged: 1 busy, 0 idle (None: never reported).
        self.status: int | None = None
        #: Pictures held in the camera's memory, by handle, until TransferComplete.
        self.memory: dict[int, MemoryCapture] = {}

    # -- properties ---------------------------------------------------------------------
    def codes(self) -> tuple[int, ...]:
        """The EOS properties reported so far that have a known data type, in order."""
        return tuple(sorted(c for c in self.values if eos_data_type(c) is not None))

    def knows(self, code: int) -> bool:
        return code in self.values

    def plain(self, code: int) -> PtpValue:
        """The current value as a PTP value (ImageFormat: gphoto2's u16)."""
        value = plain_eos_value(code, self.values[code])
        if isinstance(value, bytes):
            raise KeyError(code)  # no type known: not usable as a property
        return value

    def describe(self, code: int) -> DevicePropDesc:
        """A DevicePropDesc built from the records (KeyError when never reported)."""
        data_type = eos_data_type(code)
        if data_type is None or code not in self.values:
            raise KeyError(code)
        current = self.plain(code)
        form = None
        allowed = self.allowed.get(code)
        if allowed:
            values = tuple(_fit(data_type, plain_eos_value(code, v)) for v in allowed)
            form = PropEnum(tuple(v for v in values if v is not None))
        return DevicePropDesc(
            device_prop_code=code,
            data_type=data_type,
            get_set=GetSet.Get if code in EOS_READ_ONLY else GetSet.GetSet,
            factory_default_value=current,
            current_value=current,
            form=form,
        )

    def label(self, code: int) -> str:
        """The property's name: gphoto2's config name, else the EOS code's name."""
        return _NAMES.get(code) or VENDOR.code_name("property", code) or f"0x{code:04X}"

    # -- records ------------------------------------------------------------------------
    def apply(self, records: Iterable[EosRecord]) -> list[CameraEvent]:
        """Take the records in (in order); the events they mean for ``events()``."""
        events: list[CameraEvent] = []
        for record in records:
            event = self._apply(record)
            if event is not None:
                events.append(event)
        return events

    def _apply(self, record: EosRecord) -> CameraEvent | None:
        if isinstance(record, PropValueChanged):
            self.values[record.prop] = record.value
            detail = f"{self.label(record.prop)} = {format_eos_value(record.prop, record.value)}"
            return _event(EventCode.DevicePropChanged, (record.prop,), detail)
        if isinstance(record, AvailListChanged):
            if record.form == 3:  # an enumeration: the only form cameras use
                self.allowed[record.prop] = tuple(record.values)
            return None
        if isinstance(record, (ObjectAddedEx, ObjectAddedEx64)):
            return _event(EventCode.ObjectAdded, (record.handle,), record.filename)
        if isinstance(record, ObjectInfoChangedEx):
            return _event(EventCode.ObjectInfoChanged, (record.handle,), record.filename)
        if isinstance(record, ObjectRemoved):
            self.memory.pop(record.handle, None)
            return _event(EventCode.ObjectRemoved, (record.handle,))
        if isinstance(record, (RequestObjectTransfer, RequestObjectTransfer64)):
            held = MemoryCapture(record.handle, record.ofc, record.size, record.filename)
            self.memory[record.handle] = held
            return _event(record.record_type, (record.handle,), record.filename)
        if isinstance(record, CameraStatusChanged):
            was, self.status = self.status, record.status
            if record.status == 0 and was == 1:
                return _event(EventCode.CaptureComplete, (), "the camera is idle again")
            return _event(record.record_type, (record.status,), "busy" if record.status else "")
        if isinstance(record, ParamRecord):
            code = _STORAGE_EVENTS.get(record.record_type, record.record_type)
            return _event(code, (record.param,))
        if isinstance(record, OLCInfoChanged):
            return None
        if isinstance(record, UnknownRecord):
            return _event(record.record_type, ())
        return None  # pragma: no cover - every record type is handled above


def _event(code: int, params: tuple[int, ...], detail: str = "") -> CameraEvent:
    return CameraEvent(code, TID_NONE, params, "poll", VENDOR, detail=detail or None)


_LIMITS = {
    DataType.UINT8: (0, 0xFF),
    DataType.UINT16: (0, 0xFFFF),
    DataType.UINT32: (0, 0xFFFFFFFF),
    DataType.INT32: (-(1 << 31), (1 << 31) - 1),
}


def _fit(data_type: DataType, value: object) -> PtpValue | None:
    """``value`` when it fits ``data_type`` (an allowed-value slot is a whole u32)."""
    if data_type is DataType.STR:
        return value if isinstance(value, str) else None
    if isinstance(value, EosImageFormat):
        value = value.gphoto2_code
    if not isinstance(value, int):
        return None
    low, high = _LIMITS.get(data_type, (0, 0xFFFFFFFF))
    if data_type in (DataType.UINT8, DataType.UINT16) and value > high:
        value &= high  # a small value in a 4-byte slot, as gphoto2 reads it
    return value if low <= value <= high else None
