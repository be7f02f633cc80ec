"""Test plumbing for the Fujifilm PTP/IP sessions: an in-memory initiator/responder pair.

``FujiPair.pump()`` moves every queued packet to the other side (optionally cut by a
``split`` function, e.g. one byte at a time) until nothing moves, and returns the events
each side reported. The test plays the application on both sides between pumps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ptpkit.proto.events import Channel, DataReceived, SessionEvent
from ptpkit.proto.fuji_initiator import FujiInitiatorSession
from ptpkit.proto.fuji_responder import FujiResponderSession

INITIATOR_GUID = bytes(range(16))
RESPONDER_GUID = bytes(range(0x10, 0x20))

Split = Callable[[bytes], list[bytes]]


def whole(data: bytes) -> list[bytes]:
    return [data]


def bytewise(data: bytes) -> list[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


def merge_data(events: list[SessionEvent]) -> list[Any]:
    """Events with consecutive DataReceived of one transaction joined (splits differ)."""
    merged: list[Any] = []
    for event in events:
        if (
            isinstance(event, DataReceived)
            and merged
            and isinstance(merged[-1], DataReceived)
            and merged[-1].transaction_id == event.transaction_id
        ):
            merged[-1] = DataReceived(event.transaction_id, bytes(merged[-1].data) + event.data)
        else:
            merged.append(event)
    return merged


class FujiPair:
    def __init__(
        self,
        split: Split = whole,
        *,
        initiator: dict[str, Any] | None = None,
        responder: dict[str, Any] | None = None,
    ) -> None:
        self.split = split
        self.ini = FujiInitiatorSession(INITIATOR_GUID, "ptpkit", **(initiator or {}))
        self.rsp = FujiResponderSession(7, RESPONDER_GUID, "X-H1", **(responder or {}))
        self.now = 0.0
        self.wire: list[tuple[str, Channel, bytes]] = []  # everything sent, for goldens

    def _deliver(self, target: Any, channel: Channel, data: bytes) -> None:
        for piece in self.split(data):
            target.receive_data(channel, piece, self.now)

    def pump(self) -> tuple[list[SessionEvent], list[SessionEvent]]:
        ini_events: list[SessionEvent] = []
        rsp_events: list[SessionEvent] = []
        while True:
            moved = False
            for channel, data in self.ini.data_to_send():
                self.wire.append(("ini", channel, data))
                self._deliver(self.rsp, channel, data)
                moved = True
            for channel, data in self.rsp.data_to_send():
                self.wire.append(("rsp", channel, data))
                self._deliver(self.ini, channel, data)
                moved = True
            while (event := self.rsp.next_event()) is not None:
                rsp_events.append(event)
            while (event := self.ini.next_event()) is not None:
                ini_events.append(event)
            if not moved:
                return merge_data(ini_events), merge_data(rsp_events)

    def handshake(self) -> None:
        """The double init, both requests acknowledged."""
        self.ini.start(self.now)
        self.rsp.start(self.now)
        for _ in range(2):
            _, rsp_events = self.pump()
            assert rsp_events[-1].__class__.__name__ == "InitiatorConnected"
            self.rsp.accept(self.now)
        self.pump()
        assert self.ini.is_ready and self.rsp.is_ready
