"""Fault injection for the camera emulator.

Camera software has to cope with slow cameras, refusals, dropped Wi-Fi and odd TCP
segmentation. :class:`Faults` switches those misbehaviours on, for ``ptpkit serve`` (the
``--delay``, ``--fail``, ``--drop-after``, ... options) and for
``ptpkit.emulator.serve(..., faults=Faults(...))``:

``delay``
    ``{operation code: seconds}``: wait that long before answering the operation (before
    its data-in phase, or after its data-out phase). gphoto2 gives up after 2.5 s.
``fail``
    ``{operation code: response code}``: answer the operation with that response code
    instead of running it (a data-out phase is read and discarded first).
``drop_after_bytes``
    Close the connection (both channels of that session) once this many payload bytes
    of a data phase have gone out (data-in) or come in (data-out). ``drop_operations``
    limits it to some operation codes; empty means every data phase.
``init_fail``
    Answer every Init Command Request with Init Fail and this reason (1 rejected,
    2 busy, 3 unspecified).
``withhold_event_ack``
    Never answer the Init Event Request (gphoto2 fails after 2.5 s).
``probe_interval``
    Send a Probe Request on the event connection whenever the session has been idle
    this many seconds. Unanswered probes never end a session.
``split_writes``
    Write every packet in pieces of at most this many bytes (one TCP segment each on
    loopback), so initiators must reassemble packets.
``coalesce``
    Write all packets that are ready at the same moment in one ``write`` (several
    packets in one TCP segment).
``capture``
    What InitiateCapture does after answering OK (:class:`CaptureMode`): the normal
    ObjectAdded then CaptureComplete, events first, no CaptureComplete (gphoto2 then
    waits forever), no ObjectAdded, or no events at all.
``event_delay``
    Seconds between the InitiateCapture response and its events.
``random_drops``
    Mean seconds (exponentially distributed) after which each session is dropped: both
    of its connections are reset at a random moment, whatever is under way, as a camera
    that loses Wi-Fi or is switched off.
``quirks``
    Real cameras' habits (:class:`Quirk`, or their names as ``ptpkit serve --quirk``
    takes them): ``{"no-probe-answers", "nagle", "no-response-params",
    "own-transaction-ids", "one-recv-per-packet", "no-events", "padded-init-ack"}``.

Tests can also push any event with ``server.inject_event(code, params, tid)``.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from ptpkit.aio.server_options import Quirk
from ptpkit.proto.codes import InitFailReason

__all__ = ["QUIRKS", "CaptureMode", "Faults", "Quirk"]

#: Quirk names, as ``ptpkit serve --quirk`` takes them.
QUIRKS: tuple[str, ...] = tuple(q.value for q in Quirk)


class CaptureMode(enum.Enum):
    """What follows the OK to InitiateCapture."""

    NORMAL = "normal"  # ObjectAdded(handle), then CaptureComplete; both with the capture's tid
    EVENTS_FIRST = "events-first"  # the same events, sent before the OK response
    NO_CAPTURE_COMPLETE = "no-capture-complete"  # ObjectAdded only
    NO_OBJECT_ADDED = "no-object-added"  # CaptureComplete only (the object is still stored)
    NO_EVENTS = "no-events"  # the object is stored, no event at all


@dataclass(frozen=True, slots=True, kw_only=True)
class Faults:
    """Misbehaviours to inject; the default injects nothing. See the module docstring."""

    delay: Mapping[int, float] = field(default_factory=dict)
    fail: Mapping[int, int] = field(default_factory=dict)
    drop_after_bytes: int | None = None
    drop_operations: frozenset[int] = frozenset()
    init_fail: int | None = None
    withhold_event_ack: bool = False
    probe_interval: float | None = None
    split_writes: int | None = None
    coalesce: bool = False
    capture: CaptureMode = CaptureMode.NORMAL
    event_delay: float = 0.0
    random_drops: float | None = None
    # Quirk members or their names; kept as a frozenset of Quirk.
    quirks: Collection[Quirk | str] = frozenset()

    def __post_init__(self) -> None:
        try:
            quirks = frozenset(Quirk(q) for q in self.quirks)
        except ValueError:
            unknown = sorted(str(q) for q in self.quirks if q not in QUIRKS)
            raise ValueError(
                f"unknown quirk {', '.join(unknown)} (known: {', '.join(QUIRKS)})"
            ) from None
        object.__setattr__(self, "quirks", quirks)
        for code, seconds in self.delay.items():
            if seconds < 0:
                raise ValueError(f"delay for 0x{code:04X} must not be negative")
        for code, response in self.fail.items():
            if not 0 <= response <= 0xFFFF:
                raise ValueError(f"response code for 0x{code:04X} out of range: {response}")
        if self.drop_after_bytes is not None and self.drop_after_bytes < 0:
            raise ValueError("drop_after_bytes must not be negative")
        if self.init_fail is not None and not 0 <= self.init_fail <= 0xFFFFFFFF:
            raise ValueError(f"Init Fail reason out of range: {self.init_fail}")
        if self.probe_interval is not None and self.probe_interval <= 0:
            raise ValueError("probe_interval must be positive")
        if self.split_writes is not None and self.split_writes < 1:
            raise ValueError("split_writes must be at least 1 byte")
        if self.split_writes is not None and self.coalesce:
            raise ValueError("split_writes and coalesce exclude each other")
        if self.event_delay < 0:
            raise ValueError("event_delay must not be negative")
        if self.random_drops is not None and self.random_drops <= 0:
            raise ValueError("random_drops must be positive")

    @property
    def any(self) -> bool:
        """True when at least one fault is switched on."""
        return self != Faults()

    def drops(self, operation: int) -> int | None:
        """The byte count after which a data phase of ``operation`` drops the connection."""
        if self.drop_after_bytes is None:
            return None
        if self.drop_operations and operation not in self.drop_operations:
            return None
        return self.drop_after_bytes

    def has(self, quirk: Quirk) -> bool:
        """True when the emulator shows this habit of real cameras."""
        return quirk in self.quirks


#: Init Fail reasons by name, for the command line.
INIT_FAIL_REASONS: dict[str, int] = {
    "rejected": InitFailReason.RejectedInitiator,
    "busy": InitFailReason.Busy,
    "unspecified": InitFailReason.Unspecified,
}
