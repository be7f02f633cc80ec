"""Nikon's vendor datasets: GetEvent 0x90C7 (:class:`NikonEventList`), GetEventEx 0x941C
(:class:`NikonEventListEx`), GetVendorPropCodes 0x90CA (:class:`NikonVendorPropCodes`) and
the live-view frame 0x9203 (:class:`NikonLiveViewImage`). The decisions behind them are in
:mod:`ptpkit.proto.vendors.nikon`; import them from there."""

from __future__ import annotations

from dataclasses import dataclass

from ptpkit.errors import DecodeError, LocalProtocolError
from ptpkit.proto.buffer import Buffer
from ptpkit.proto.codes import DataType
from ptpkit.proto.datasets import pull_array, push_array
from ptpkit.proto.vendors._wire import check_tuple, check_uint, check_uints

__all__ = [
    "MAX_EVENT_EX_PARAMS", "NikonEvent", "NikonEventEx", "NikonEventList", "NikonEventListEx",
    "NikonLiveViewImage", "NikonVendorPropCodes",
]  # fmt: skip

# -- GetEvent 0x90C7 ----------------------------------------------------------------------

_EVENT_SIZE = 6  # u16 code, u32 param


@dataclass(frozen=True, slots=True)
class NikonEvent:
    """One record of GetEvent 0x90C7: an event code and its one parameter."""

    code: int
    param: int = 0

    def __post_init__(self) -> None:
        check_uint(self.code, 16, "event code")
        check_uint(self.param, 32, "event parameter")


@dataclass(frozen=True, slots=True)
class NikonEventList:
    """The data of GetEvent 0x90C7: ``u16 count``, then count x ``{u16 code, u32 param}``."""

    events: tuple[NikonEvent, ...] = ()

    def __post_init__(self) -> None:
        for event in check_tuple(self.events, "events"):
            if not isinstance(event, NikonEvent):
                raise LocalProtocolError(f"not a NikonEvent: {event!r}")
        if len(self.events) > 0xFFFF:
            raise LocalProtocolError(f"{len(self.events)} events, at most 65535")

    def encode(self) -> bytes:
        buf = Buffer()
        buf.push_u16(len(self.events))
        for event in self.events:
            buf.push_u16(event.code)
            buf.push_u32(event.param)
        return buf.data()

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> NikonEventList:
        """Strict: a count that runs past the data raises DecodeError."""
        buf = Buffer(data)
        count = buf.pull_u16()
        if count * _EVENT_SIZE > buf.remaining():
            raise DecodeError(
                f"Nikon GetEvent: count {count} needs {count * _EVENT_SIZE} bytes, "
                f"only {buf.remaining()} left"
            )
        events = []
        for _ in range(count):
            code = buf.pull_u16()
            events.append(NikonEvent(code, buf.pull_u32()))
        return cls(tuple(events))

    @classmethod
    def decode_lenient(cls, data: bytes | bytearray | memoryview) -> tuple[NikonEventList, bool]:
        """What gphoto2 does: data it cannot read (a count larger than the data, or fewer
        than 2 bytes) is an empty list. Returns ``(list, rejected)``; ``rejected`` is True
        when the data was thrown away."""
        try:
            return cls.decode(data), False
        except DecodeError:
            return cls(()), True


# -- GetEventEx 0x941C --------------------------------------------------------------------

MAX_EVENT_EX_PARAMS = 5


@dataclass(frozen=True, slots=True)
class NikonEventEx:
    """One record of GetEventEx 0x941C: a code and zero to five u32 parameters."""

    code: int
    params: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        check_uint(self.code, 16, "event code")
        params = check_tuple(self.params, "params")
        if len(params) > MAX_EVENT_EX_PARAMS:
            raise LocalProtocolError(f"{len(params)} event parameters, at most 5")
        for param in params:
            check_uint(param, 32, "event parameter")


@dataclass(frozen=True, slots=True)
class NikonEventListEx:
    """The data of GetEventEx 0x941C: ``u16 count``, two skipped bytes (see the module
    notes), then per event ``{u16 code, u16 nparams (≤ 5), nparams x u32}``."""

    events: tuple[NikonEventEx, ...] = ()

    def __post_init__(self) -> None:
        for event in check_tuple(self.events, "events"):
            if not isinstance(event, NikonEventEx):
                raise LocalProtocolError(f"not a NikonEventEx: {event!r}")
        if len(self.events) > 0xFFFF:
            raise LocalProtocolError(f"{len(self.events)} events, at most 65535")

    def encode(self) -> bytes:
        buf = Buffer()
        buf.push_u16(len(self.events))
        buf.push_u16(0)
        for event in self.events:
            buf.push_u16(event.code)
            buf.push_u16(len(event.params))
            for param in event.params:
                buf.push_u32(param)
        return buf.data()

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> NikonEventListEx:
        """Strict: a short record, or more than five parameters, raises DecodeError."""
        buf = Buffer(data)
        count = buf.pull_u16()
        if count == 0:
            return cls(())
        # gphoto2's first sanity check: every event takes at least 4 bytes after the count
        if count * 4 > buf.remaining():
            raise DecodeError(
                f"Nikon GetEventEx: count {count} cannot fit in {buf.remaining()} bytes"
            )
        buf.pull_u16()  # skipped by gphoto2
        events = []
        for index in range(count):
            code = buf.pull_u16()
            nparams = buf.pull_u16()
            if nparams > MAX_EVENT_EX_PARAMS:
                raise DecodeError(f"Nikon GetEventEx event {index}: {nparams} parameters")
            params = tuple(buf.pull_u32() for _ in range(nparams))
            events.append(NikonEventEx(code, params))
        return cls(tuple(events))

    @classmethod
    def decode_lenient(cls, data: bytes | bytearray | memoryview) -> tuple[NikonEventListEx, bool]:
        """As gphoto2: unreadable data is an empty list. Returns ``(list, rejected)``."""
        try:
            return cls.decode(data), False
        except DecodeError:
            return cls(()), True


# -- GetVendorPropCodes 0x90CA --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NikonVendorPropCodes:
    """The data of GetVendorPropCodes 0x90CA: a PTP UINT16 array of property codes, which
    gphoto2 appends to DeviceInfo's property list."""

    codes: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        check_uints(self.codes, 16, "property code")

    def encode(self) -> bytes:
        buf = Buffer()
        push_array(buf, DataType.UINT16, self.codes)
        return buf.data()

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> NikonVendorPropCodes:
        buf = Buffer(data)
        codes = pull_array(buf, DataType.UINT16)
        buf.check_end("Nikon vendor property codes", allow_trailing=True)
        return cls(codes)


# -- GetLiveViewImg 0x9203 ----------------------------------------------------------------

_SOI = b"\xff\xd8"
_EOI = b"\xff\xd9"


@dataclass(frozen=True, slots=True)
class NikonLiveViewImage:
    """The data of GetLiveViewImg 0x9203: a vendor header (its size and content vary by
    model) and a JPEG that starts at the first ``FF D8`` of the data."""

    header: bytes
    jpeg: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.header, bytes) or not isinstance(self.jpeg, bytes):
            raise LocalProtocolError("header and jpeg must be bytes")
        if not self.jpeg.startswith(_SOI):
            raise LocalProtocolError("live-view JPEG must start with FF D8")
        if _SOI in self.header:
            raise LocalProtocolError("live-view header must not contain FF D8")

    def encode(self) -> bytes:
        return self.header + self.jpeg

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> NikonLiveViewImage:
        raw = bytes(data)
        soi = raw.find(_SOI)
        if soi < 0:
            raise DecodeError("Nikon live-view data holds no JPEG (no FF D8)")
        return cls(raw[:soi], raw[soi:])

    def frame(self) -> bytes:
        """The JPEG as gphoto2 saves it: from SOI to the first ``FF D9`` after it, inclusive
        (to the end of the data if there is none)."""
        eoi = self.jpeg.find(_EOI, 2)
        return self.jpeg if eoi < 0 else self.jpeg[: eoi + 2]
