"""What the dissector returns: one :class:`Record` per PTP/IP packet or problem found, in a
:class:`DissectResult`; and the names of directions and channels."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "DEFAULT_MAX_DATASET_SIZE",
    "DEFAULT_PORT",
    "TO_INITIATOR",
    "TO_RESPONDER",
    "ChannelKind",
    "Direction",
    "DissectResult",
    "Record",
]

DEFAULT_PORT = 15740
DEFAULT_MAX_DATASET_SIZE = 16 << 20

Direction = Literal["to_responder", "to_initiator"]
ChannelKind = Literal["command", "event", "unknown"]

TO_RESPONDER: Direction = "to_responder"
TO_INITIATOR: Direction = "to_initiator"


@dataclass(slots=True)
class Record:
    """One PTP/IP packet, or one problem found in the capture (``error`` set).

    :meth:`as_dict` gives the ``--json`` object. ``offset`` (the packet's byte offset in
    its direction of the connection) and ``at_segment_start`` (whether the packet starts
    at the first byte of the TCP segment numbered ``frame``) are for ordering and tests;
    they are not part of the JSON.
    """

    frame: int
    time: float
    stream: int | None = None
    direction: Direction | None = None
    channel: ChannelKind | None = None
    packet_type: int | None = None
    type_name: str | None = None
    length: int | None = None
    fields: dict[str, object] = field(default_factory=dict)
    dataset: dict[str, object] | None = None
    dataset_error: str | None = None
    error: str | None = None
    offset: int = 0
    at_segment_start: bool = False

    @property
    def is_error(self) -> bool:
        return self.error is not None

    def get(self, key: str) -> object:
        """A packet field (``tid``, ``code``, ``params`` …) or None."""
        return self.fields.get(key)

    def as_dict(self) -> dict[str, object]:
        """The JSON object: common keys first, then the packet's own, then dataset/error."""
        out: dict[str, object] = {}
        if self.stream is not None:
            out["stream"] = self.stream
        if self.direction is not None:
            out["direction"] = self.direction
        if self.channel is not None:
            out["channel"] = self.channel
        out["frame"] = self.frame
        out["time"] = self.time
        if self.packet_type is not None:
            out["type"] = self.packet_type
            out["type_name"] = self.type_name
        if self.length is not None:
            out["length"] = self.length
        out.update(self.fields)
        if self.dataset is not None:
            out["dataset"] = self.dataset
        if self.dataset_error is not None:
            out["dataset_error"] = self.dataset_error
        if self.error is not None:
            out["error"] = self.error
        return out

    def _sort_key(self) -> tuple[int, int, int, int]:
        stream = -1 if self.stream is None else self.stream
        return (self.frame, 1 if self.stream is None else 0, stream, self.offset)


@dataclass(slots=True)
class DissectResult:
    """Everything found in one capture."""

    records: list[Record]
    frames: int = 0
    tcp_streams: int = 0
    ptpip_streams: int = 0
    link_type: int = 0

    @property
    def packets(self) -> list[Record]:
        return [r for r in self.records if r.packet_type is not None and not r.is_error]

    @property
    def errors(self) -> list[Record]:
        return [r for r in self.records if r.is_error]
