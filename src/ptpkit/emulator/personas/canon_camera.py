"""The Canon EOS persona's camera: what an EOS body keeps besides the generic camera's
storage and sessions.

* **Per initiator** (:class:`EosLink`): its remote and event modes, and the queue of GetEvent
  records waiting for it. Each record is handed out once; then GetEvent answers with the
  terminator alone. An initiator starts *listening* when it sets the event mode (or first
  polls GetEvent): it is then sent the whole property dump, and from then on every change.
* **Events** go to the listening initiators as EOS records, never on the PTP/IP event
  channel (gphoto2 does not read it for EOS bodies): :meth:`EosCamera.deliver_event`,
  through which every event of the generic handlers and the folder rescans passes,
  turns ObjectAdded, ObjectRemoved, ObjectInfoChanged and the storage events into
  ObjectAddedEx, ObjectRemoved, ObjectInfoChangedEx and StoreAdded/StoreRemoved/
  StorageInfoChanged records (an injected event may also be an EOS record type).
* **EOS properties** (:class:`~ptpkit.emulator.personas.canon_properties.EosProperties`);
  a change is queued to every listening initiator as PropValueChanged.
* **Captures** (RemoteRelease): CameraStatusChanged(1); the picture, generated at the size
  the ImageFormat property says; then, when CaptureDestination is the card, the file on
  the card and ObjectAddedEx to everyone, or, when it is the computer (4, the default),
  the picture kept in the camera's memory as a :class:`MemoryObject` and a
  RequestObjectTransfer record to the initiator that released the shutter, which reads it
  with GetPartialObject and ends with TransferComplete 0x9117; last
  CameraStatusChanged(0).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ptpkit.aio.responder_app import InitiatorLink, Reply
from ptpkit.emulator.backend import Storage
from ptpkit.emulator.camera_core import CameraCore
from ptpkit.emulator.imaging import generate_capture_jpeg
from ptpkit.emulator.operations import Initiator
from ptpkit.emulator.personas.canon_properties import (
    HOST_AVAILABLE_SHOTS,
    EosProperties,
    capture_size,
    default_eos_properties,
)
from ptpkit.emulator.personas.held import held_object_info
from ptpkit.errors import PropertyError, StoreError
from ptpkit.proto.codes import ALL, TID_NONE, EventCode, ObjectFormat, ResponseCode
from ptpkit.proto.datasets import ObjectInfo
from ptpkit.proto.vendors.canon import (
    CAPTURE_DESTINATION_CARD,
    PARAM_RECORD_TYPES,
    CameraStatusChanged,
    CanonDevicePropCode,
    CanonEventCode,
    EosRecord,
    EosValue,
    ObjectAddedEx,
    ObjectInfoChangedEx,
    ObjectRemoved,
    ParamRecord,
    RequestObjectTransfer,
)

__all__ = ["MEMORY_HANDLE_BASE", "EosCamera", "EosLink", "MemoryObject"]

log = logging.getLogger("ptpkit.emulator")

_P = CanonDevicePropCode
_Ev = EventCode
_U32_MAX = 0xFFFFFFFF

#: Handles of pictures kept in the camera's memory start here (clear of the card's).
MEMORY_HANDLE_BASE = 0x90000001
#: At most this many pictures wait in memory; another release answers DeviceBusy.
MEMORY_SLOTS = 16
#: Records kept for an initiator that does not poll; older ones are dropped beyond it.
MAX_QUEUED_RECORDS = 10_000
#: At most this many bytes of records in one GetEvent answer (the rest come next time).
MAX_EVENT_DATA = 256 << 10
#: Bytes per shot assumed when AvailableShots is worked out from a card's free space.
_BYTES_PER_SHOT = 8_000_000


#: Storage events and the EOS records that carry them.
_STORAGE_RECORDS: dict[int, int] = {
    _Ev.StoreAdded: CanonEventCode.StoreAdded,
    _Ev.StoreRemoved: CanonEventCode.StoreRemoved,
    _Ev.StorageInfoChanged: CanonEventCode.StorageInfoChanged,
}


@dataclass(slots=True)
class EosLink:
    """What the camera keeps for one initiator (see the module documentation)."""

    remote_mode: int = 0
    event_mode: int = 0
    listening: bool = False
    records: deque[EosRecord] = field(default_factory=deque)
    dropped: int = 0


@dataclass(frozen=True, slots=True)
class MemoryObject:
    """A capture kept in the camera's memory until its initiator fetches it."""

    handle: int
    data: bytes
    filename: str
    owner: Initiator
    captured: datetime
    ofc: int = ObjectFormat.EXIF_JPEG

    def object_info(self) -> ObjectInfo:
        return held_object_info(self.data, self.filename, self.captured, object_format=self.ofc)


class EosCamera(CameraCore):
    """The generic camera core with a Canon EOS body's state (module documentation)."""

    def __init__(self, store: Storage, **options: Any) -> None:
        super().__init__(store, **options)
        self.eos = EosProperties(default_eos_properties(self.identity.serial_number))
        self.links: dict[Initiator, EosLink] = {}
        self.memory: dict[int, MemoryObject] = {}
        self.releasing = False
        self._next_memory_handle = MEMORY_HANDLE_BASE
        self._file_number = 0
        self._update_available_shots()

    # -- initiators -------------------------------------------------------------------
    def connect(self, link: InitiatorLink) -> Initiator:
        who = super().connect(link)
        self.links[who] = EosLink()
        return who

    def disconnect(self, who: Initiator) -> None:
        super().disconnect(who)
        self.links.pop(who, None)

    def _end_session(self, who: Initiator) -> None:
        super()._end_session(who)
        if who in self.links:
            self.links[who] = EosLink()
        for handle in [h for h, obj in self.memory.items() if obj.owner is who]:
            del self.memory[handle]

    def link(self, who: Initiator) -> EosLink:
        link = self.links.get(who)
        if link is None:  # an initiator the tests made by hand
            link = self.links[who] = EosLink()
        return link

    # -- GetEvent records ---------------------------------------------------------------
    def start_listening(self, who: Initiator) -> None:
        """From now on ``who`` gets every record; first the whole property dump."""
        link = self.link(who)
        if not link.listening:
            link.listening = True
            self._append(link, self.eos.records())

    def take_records(self, who: Initiator) -> list[EosRecord]:
        """GetEvent: the records waiting for ``who`` (up to :data:`MAX_EVENT_DATA` bytes)."""
        self.start_listening(who)
        link = self.link(who)
        taken: list[EosRecord] = []
        size = 0
        while link.records:
            record = link.records[0]
            length = len(record.encode())
            if taken and size + length > MAX_EVENT_DATA:
                break
            taken.append(link.records.popleft())
            size += length
        return taken

    def queue(
        self,
        records: Iterable[EosRecord],
        *,
        to: Initiator | None = None,
        exclude: Initiator | None = None,
    ) -> None:
        """Queue records for ``to``, or for every listening initiator but ``exclude``."""
        batch = list(records)
        if not batch:
            return
        if to is not None:
            self._append(self.link(to), batch)
            return
        for who, link in self.links.items():
            if who is not exclude and link.listening:
                self._append(link, batch)

    def _append(self, link: EosLink, records: Iterable[EosRecord]) -> None:
        link.records.extend(records)
        excess = len(link.records) - MAX_QUEUED_RECORDS
        if excess > 0:
            for _ in range(excess):
                link.records.popleft()
            link.dropped += excess
            log.info("GetEvent queue full: %d records dropped", excess)

    def broadcast(
        self,
        code: int,
        params: tuple[int, ...] = (),
        transaction_id: int = TID_NONE,
        *,
        exclude: Initiator | None = None,
    ) -> None:
        super().broadcast(code, params, transaction_id, exclude=exclude)
        if code in _STORAGE_RECORDS:
            self._update_available_shots()

    def deliver_event(
        self, who: Initiator, code: int, params: tuple[int, ...] = (), tid: int = TID_NONE
    ) -> None:
        """Every event the camera raises, as an EOS record queued for ``who``'s next
        GetEvent (when it listens); nothing goes on the PTP/IP event channel."""
        link = self.links.get(who)
        if link is None or not link.listening:
            return
        record = self._record_for(code, params)
        if record is not None:
            self._append(link, [record])

    def _record_for(self, code: int, params: tuple[int, ...]) -> EosRecord | None:
        """The EOS record for a standard event, or for an EOS record type with its
        parameters (``EmulatorServer.inject_event(0xC18B, (1,))``); None: not one."""
        first = params[0] if params else 0
        if code in (_Ev.ObjectRemoved, CanonEventCode.ObjectRemoved) and params:
            return ObjectRemoved(first)
        if code in (_Ev.ObjectAdded, CanonEventCode.ObjectAddedEx) and params:
            return self.object_record(first)
        if code in (_Ev.ObjectInfoChanged, CanonEventCode.ObjectInfoChangedEx) and params:
            return self.object_record(first, changed=True)
        if code in _STORAGE_RECORDS and params:
            return ParamRecord(_STORAGE_RECORDS[code], first)
        if code in PARAM_RECORD_TYPES and params:
            return ParamRecord(code, first)
        if code == CanonEventCode.CameraStatusChanged and params:
            return CameraStatusChanged(first)
        if code == CanonEventCode.PropValueChanged and params and first in self.eos:
            return self.eos.value_record(first)
        return None

    def object_record(
        self, handle: int, *, changed: bool = False
    ) -> ObjectAddedEx | ObjectInfoChangedEx | None:
        """ObjectAddedEx (or ObjectInfoChangedEx) for a card object; None once it is gone."""
        try:
            facts = self.objects.facts(handle)
        except StoreError:
            return None
        info = facts.info
        cls = ObjectInfoChangedEx if changed else ObjectAddedEx
        return cls(
            handle,
            info.storage_id,
            info.object_format,
            min(facts.size, _U32_MAX),
            info.parent_object,
            info.filename,
        )

    # -- properties ---------------------------------------------------------------------
    def set_eos_property(self, code: int, value: EosValue) -> None:
        """SetDevicePropValueEx: set, then tell every listening initiator."""
        if self.eos.set(code, value):
            self.queue([self.eos.value_record(code)])
            if code == _P.CaptureDestination:
                self._update_available_shots()

    def update_eos_property(self, code: int, value: EosValue) -> None:
        if self.eos.update(code, value):
            self.queue([self.eos.value_record(code)])

    @property
    def captures_to_card(self) -> bool:
        return self.eos.get(_P.CaptureDestination) == CAPTURE_DESTINATION_CARD

    def _update_available_shots(self) -> None:
        shots = HOST_AVAILABLE_SHOTS
        if self.captures_to_card:
            try:
                sid = self._capture_storage(0)
                free = self.store.storage_info(sid).free_space_in_bytes
                shots = min(free // _BYTES_PER_SHOT, HOST_AVAILABLE_SHOTS)
            except StoreError:
                shots = 0
        self.update_eos_property(_P.AvailableShots, shots)

    # -- captures ------------------------------------------------------------------------
    def release(self, who: Initiator) -> Reply:
        """RemoteRelease (or a full press): OK at once, the picture afterwards."""
        if self.releasing:
            return Reply(ResponseCode.DeviceBusy)
        storage_id = 0
        if self.captures_to_card:
            try:
                storage_id = self._capture_storage(0)
            except StoreError as exc:
                return Reply(exc.code)
        elif len(self.memory) >= MEMORY_SLOTS:
            return Reply(ResponseCode.DeviceBusy)
        self.releasing = True
        self.queue([CameraStatusChanged(1)])

        async def shoot() -> None:
            await self._shoot(who, storage_id)

        return Reply(after=shoot)

    async def _shoot(self, who: Initiator, storage_id: int) -> None:
        try:
            if self.faults.event_delay:
                await asyncio.sleep(self.faults.event_delay)
            data = await self._picture()
            if storage_id:
                await self._store_on_card(storage_id, data)
            else:
                self._keep_in_memory(who, data)
            counter = self.eos.get(_P.ShutterCounter)
            if isinstance(counter, int):
                self.update_eos_property(_P.ShutterCounter, counter + 1)
            self._update_available_shots()
        except StoreError as exc:
            log.info("capture failed: %s", exc)
        except Exception:
            log.exception("capture failed")
        finally:
            self.releasing = False
            self.queue([CameraStatusChanged(0)])

    async def _picture(self) -> bytes:
        loop = asyncio.get_running_loop()
        width, height = capture_size(self.eos.get(_P.ImageFormat))
        self.captures += 1
        return await loop.run_in_executor(
            None,
            functools.partial(
                generate_capture_jpeg,
                width,
                height,
                text=f"{self.identity.model} #{self.captures}",
                when=self.properties.now(),
                make="Canon",
                model=self.identity.model,
            ),
        )

    async def _store_on_card(self, storage_id: int, data: bytes) -> None:
        loop = asyncio.get_running_loop()
        before = set(self.store.handles(ALL, 0, 0))
        handle = await loop.run_in_executor(None, self.store.add_capture, storage_id, data, ".JPG")
        for folder in sorted(set(self.store.handles(ALL, 0, 0)) - before - {handle}):
            if self.store.is_association(folder):
                self.broadcast(_Ev.ObjectAdded, (folder,))
        self.broadcast(_Ev.ObjectAdded, (handle,))

    def _keep_in_memory(self, who: Initiator, data: bytes) -> None:
        handle = self._next_memory_handle
        self._next_memory_handle += 1
        self._file_number = self._file_number % 9999 + 1
        name = f"IMG_{self._file_number:04d}.JPG"
        self.memory[handle] = MemoryObject(handle, data, name, who, self.properties.now())
        if who in self.links:  # still connected
            record = RequestObjectTransfer(handle, ObjectFormat.EXIF_JPEG, len(data), name)
            self.queue([record], to=who)

    def transfer_complete(self, handle: int) -> bool:
        """TransferComplete: the initiator has the picture; the memory is free again."""
        with contextlib.suppress(KeyError):
            del self.memory[handle]
            return True
        return False


def eos_camera(cam: CameraCore) -> EosCamera:
    """``cam`` as the EOS camera it is (handlers are registered for any camera core)."""
    if not isinstance(cam, EosCamera):
        raise PropertyError(ResponseCode.OperationNotSupported, "not a Canon EOS camera")
    return cam
