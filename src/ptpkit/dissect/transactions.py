"""A TCP connection on the PTP/IP port: its two directions, the records of its packets, and
the transactions it follows (operation, data phase, response), whose data phases are decoded
through the responder's :class:`~ptpkit.dissect.datasets.Device`. A connection in Fujifilm's
variant is followed the same way, its packets read as CIPA's (:mod:`ptpkit.dissect.fuji`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from ptpkit.dissect.datasets import Device
from ptpkit.dissect.fuji import FUJI_DATA_HEADER_SIZE, FujiReader, is_fuji_init
from ptpkit.dissect.network import TCP_RST, Segment
from ptpkit.dissect.reassembly import Half
from ptpkit.dissect.records import TO_INITIATOR, TO_RESPONDER, ChannelKind, Direction, Record
from ptpkit.errors import PtpError
from ptpkit.proto.codes import CodeKind, PacketType, code_name
from ptpkit.proto.framing import DataChunk
from ptpkit.proto.packets import (
    HEADER_SIZE,
    Cancel,
    Event,
    InitCommandAck,
    InitCommandRequest,
    InitEventRequest,
    InitFail,
    OperationRequest,
    OperationResponse,
    Packet,
    StartData,
)

__all__ = ["Connection", "Variant"]

#: Standard PTP/IP, or Fujifilm's variant of it.
Variant = Literal["cipa", "fuji"]

_DATA_HEADER_SIZE = HEADER_SIZE + 4  # header + transaction id


@dataclass(slots=True)
class _Phase:
    """A data phase in one direction of one connection."""

    tid: int
    total: int | None  # None: unknown (0xFFFF…FF) or no Start Data seen
    received: int = 0
    chunks: list[bytes] | None = None  # None: not kept (no known dataset, or too big)
    too_big: bool = False


class Connection:
    """A TCP connection on the PTP/IP port: its two directions and its transactions."""

    def __init__(
        self,
        number: int,
        initiator: tuple[bytes, int],
        responder: tuple[bytes, int],
        *,
        device: Device,
        max_dataset_size: int,
        variant: Variant | None = "cipa",
        channel: ChannelKind | None = None,
        on_fuji: Callable[[Connection], None] | None = None,
    ) -> None:
        self.device = device  # the responder's, shared by its connections
        self.max_dataset_size = max_dataset_size
        self.number = number
        self.initiator = initiator
        self.responder = responder
        self.halves: dict[Direction, Half] = {
            TO_RESPONDER: Half(self, TO_RESPONDER),
            TO_INITIATOR: Half(self, TO_INITIATOR),
        }
        self.phases: dict[Direction, _Phase | None] = {TO_RESPONDER: None, TO_INITIATOR: None}
        # The transaction whose data phase in that direction was whole before any End Data
        # (by its announced length): an empty End Data for it may still come (Sony bodies
        # send one), and belongs to that phase.
        self.ended: dict[Direction, int | None] = {TO_RESPONDER: None, TO_INITIATOR: None}
        self.channel: ChannelKind | None = channel
        #: "cipa", "fuji" (Fujifilm's variant), or None: decided by the first bytes the
        #: initiator sends (see first_bytes).
        self.variant: Variant | None = variant
        self._on_fuji = on_fuji
        #: The header before a data packet's payload (16 in CIPA's Data, 12 in Fuji's).
        self.data_header_size = _DATA_HEADER_SIZE
        if variant == "fuji":
            self._use_fuji()
        self.records: list[Record] = []
        self.reset = False
        self.operations: dict[int, tuple[int, tuple[int, ...]]] = {}  # tid → (code, params)

    # -- TCP ----------------------------------------------------------------------------
    def segment(self, seg: Segment, frame: int, time: float) -> None:
        if self.reset:
            return
        direction = TO_RESPONDER if seg.dst == self.responder else TO_INITIATOR
        self.halves[direction].segment(seg, frame, time)
        if seg.flags & TCP_RST:
            self.reset = True

    def finish(self) -> None:
        for half in self.halves.values():
            half.finish()
        channel = self.channel or "unknown"
        for record in self.records:
            record.channel = channel

    # -- the variant ----------------------------------------------------------------------
    def first_bytes(self, half: Half, data: bytes) -> None:
        if self.variant is not None or half.direction != TO_RESPONDER:
            return
        self.variant = "fuji" if is_fuji_init(data) else "cipa"
        if self.variant == "fuji":
            self._use_fuji()
            if self._on_fuji is not None:
                self._on_fuji(self)

    def _use_fuji(self) -> None:
        self.variant = "fuji"
        self.data_header_size = FUJI_DATA_HEADER_SIZE
        for half in self.halves.values():
            half.reader = FujiReader()

    # -- records ------------------------------------------------------------------------
    def add_record(
        self,
        half: Half,
        *,
        packet_type: int | None = None,
        length: int | None = None,
        fields: dict[str, object] | None = None,
        error: str | None = None,
        frame: int | None = None,
        time: float | None = None,
        offset: int | None = None,
    ) -> Record:
        record = Record(
            frame=half.pkt_frame if frame is None else frame,
            time=half.pkt_time if time is None else time,
            stream=self.number,
            direction=half.direction,
            packet_type=packet_type,
            type_name=None if packet_type is None else code_name("packet", packet_type),
            length=length,
            fields=fields or {},
            error=error,
            offset=half.pkt_offset if offset is None else offset,
            at_segment_start=half.pkt_at_start if frame is None else False,
        )
        self.records.append(record)
        return record

    def _decide_channel(self, half: Half, ptype: int) -> None:
        if self.channel is None and half.direction == TO_RESPONDER:
            if ptype == PacketType.InitCommandRequest:
                self.channel = "command"
            elif ptype == PacketType.InitEventRequest:
                self.channel = "event"
            else:
                self.channel = "unknown"

    # -- packets ------------------------------------------------------------------------
    def on_packet(self, half: Half, packet: Packet, length: int) -> None:
        ptype = int(packet.type)
        self._decide_channel(half, ptype)
        record = self.add_record(
            half, packet_type=ptype, length=length, fields=_packet_fields(packet, self.device)
        )
        if self.channel == "event":
            return
        if isinstance(packet, OperationRequest):
            self.operations[packet.transaction_id] = (packet.code, packet.params)
        elif isinstance(packet, OperationResponse):
            self.operations.pop(packet.transaction_id, None)
            for direction, phase in self.phases.items():
                if phase is not None and phase.tid == packet.transaction_id:
                    self.phases[direction] = None
        elif isinstance(packet, StartData):
            total = packet.total_length if packet.length_known else None
            self.phases[half.direction] = self._new_phase(packet.transaction_id, total)
            self.ended[half.direction] = None
            if total == 0:
                self.ended[half.direction] = packet.transaction_id
                self._complete(half, record)

    def _new_phase(self, tid: int, total: int | None) -> _Phase:
        operation = self.operations.get(tid)
        keep = operation is not None and self.device.dataset_name(operation[0]) is not None
        phase = _Phase(tid, total, chunks=[] if keep else None)
        if keep and total is not None and total > self.max_dataset_size:
            phase.chunks, phase.too_big = None, True
        return phase

    def on_chunk(self, half: Half, chunk: DataChunk) -> None:
        if chunk.first:
            self._decide_channel(half, chunk.packet_type)
        phase = self.phases[half.direction]
        if (
            phase is None
            and chunk.is_end_data
            and chunk.first
            and chunk.last
            and not chunk.data
            and chunk.transaction_id == self.ended[half.direction]
        ):
            self.ended[half.direction] = None  # the empty End Data of a whole data phase
            phase = _Phase(chunk.transaction_id, 0)  # counted, never decoded again
        elif self.channel != "event" and (phase is None or phase.tid != chunk.transaction_id):
            # Data without Start Data (or for another transaction): follow it anyway.
            phase = self.phases[half.direction] = self._new_phase(chunk.transaction_id, None)
        if phase is not None and self.channel != "event":
            phase.received += len(chunk.data)
            if phase.chunks is not None:
                if phase.received > self.max_dataset_size:
                    phase.chunks, phase.too_big = None, True
                else:
                    phase.chunks.append(bytes(chunk.data))  # bytes already: no copy
        if not chunk.last:
            return
        record = self.add_record(
            half,
            packet_type=chunk.packet_type,
            length=chunk.packet_length,
            fields={
                "tid": chunk.transaction_id,
                "payload_length": chunk.packet_length - self.data_header_size,
            },
        )
        if phase is not None and self.channel != "event" and self.phases[half.direction] is phase:
            if chunk.is_end_data:
                self._complete(half, record)
            elif phase.total is not None and phase.received >= phase.total:
                self.ended[half.direction] = phase.tid
                self._complete(half, record)

    def _complete(self, half: Half, record: Record) -> None:
        """A data phase is whole: decode its dataset onto the packet that completed it."""
        phase = self.phases[half.direction]
        self.phases[half.direction] = None
        if phase is None:
            return
        operation = self.operations.get(phase.tid)
        name = None if operation is None else self.device.dataset_name(operation[0])
        if operation is None or name is None:
            return
        code, params = operation
        if phase.too_big:
            record.dataset_error = (
                f"{name} data phase of {phase.received} bytes is over the "
                f"{self.max_dataset_size}-byte decoding limit"
            )
            return
        data = b"".join(phase.chunks or ())
        try:
            dataset = self.device.decode(code, params, data)
        except (PtpError, ValueError, OverflowError) as exc:
            record.dataset_error = f"{name}: {exc}"
            return
        if dataset is not None:
            record.dataset = dataset


def _packet_fields(packet: Packet, device: Device) -> dict[str, object]:
    """The JSON keys a packet carries beyond stream/direction/type/length."""
    if isinstance(packet, InitCommandRequest):
        return {
            "guid": packet.guid.hex(),
            "name": packet.friendly_name,
            "protocol_version": packet.protocol_version,
        }
    if isinstance(packet, InitCommandAck):
        return {
            "connection_number": packet.connection_number,
            "guid": packet.guid.hex(),
            "name": packet.friendly_name,
            "protocol_version": packet.protocol_version,
        }
    if isinstance(packet, InitEventRequest):
        return {"connection_number": packet.connection_number}
    if isinstance(packet, InitFail):
        return {"reason": packet.reason}
    if isinstance(packet, OperationRequest):
        return _coded(device, packet.transaction_id, "operation", packet.code, packet.params) | {
            "data_phase": packet.data_phase
        }
    if isinstance(packet, OperationResponse):
        return _coded(device, packet.transaction_id, "response", packet.code, packet.params)
    if isinstance(packet, Event):
        return _coded(device, packet.transaction_id, "event", packet.code, packet.params)
    if isinstance(packet, StartData):
        return {"tid": packet.transaction_id, "total_length": packet.total_length}
    if isinstance(packet, Cancel):
        return {"tid": packet.transaction_id}
    return {}  # InitEventAck, probes, unknown types; Data/End Data come as chunks


def _coded(
    device: Device, tid: int, kind: CodeKind, code: int, params: tuple[int, ...]
) -> dict[str, object]:
    name = device.code_name(kind, code)
    return {"tid": tid, "code": code, "code_name": name, "params": list(params)}
