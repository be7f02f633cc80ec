"""What a dialect is: how the client speaks to one camera family (:class:`Dialect`).

A :class:`~ptpkit.aio.client.Camera` has one dialect (``camera.dialect``), chosen after
OpenSession and GetDeviceInfo the way gphoto2 chooses its vendor code path
(dialects.md §1.2), or named by the user (``connect(dialect=...)``, ``ptpkit
--dialect``). The dialect says:

- what runs after the session opens (:meth:`Dialect.start`) and before it closes
  (:meth:`Dialect.stop`);
- where events come from: the PTP/IP event channel, and/or polling a vendor operation
  (:attr:`Dialect.polls_events`, :meth:`Dialect.poll_events`); the camera runs one poll
  task while anyone listens and both end in the same ``events()`` stream, each
  :class:`~ptpkit.aio.models.CameraEvent` marked with its ``source``;
- how to take a picture (:meth:`Dialect.capture`) and what to do after an object was
  downloaded (:meth:`Dialect.after_download`: free an in-memory capture);
- which properties there are, their names and human-readable values
  (:meth:`Dialect.property_codes`, :meth:`Dialect.describe`, :meth:`Dialect.get`,
  :meth:`Dialect.set`, :meth:`Dialect.property_names`, :meth:`Dialect.format_value`,
  :meth:`Dialect.parse_value`);
- and its vendor operations, as typed methods of the dialect itself
  (``camera.dialect.device_ready()``).

:class:`~ptpkit.dialects.generic.GenericDialect` is the standard PTP camera; vendor
dialects extend it and override what their cameras do differently.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Literal

from ptpkit.aio.models import CameraEvent, CameraObject, EventsDropped
from ptpkit.errors import BadValueError, PtpTimeoutError
from ptpkit.proto.codes import CodeKind
from ptpkit.proto.codes.vendor import GENERIC_EXTENSION_IDS
from ptpkit.proto.datasets import DeviceInfo, DevicePropDesc, PtpValue

if TYPE_CHECKING:
    from ptpkit.aio.client import Camera
    from ptpkit.aio.events import EventStream
    from ptpkit.proto.vendors.base import Vendor

__all__ = ["CaptureTarget", "Dialect", "Transport", "capture_event", "capture_timed_out"]

#: Which transport session a dialect's connection uses: standard PTP/IP, or Fujifilm's
#: variant of it.
Transport = Literal["ptpip", "fuji"]
#: Where a capture goes (:attr:`Dialect.capture_target`).
CaptureTarget = Literal["card", "memory"]


def capture_timed_out(timeout: float) -> PtpTimeoutError:
    """The error of a capture whose picture did not come within ``timeout`` seconds."""
    return PtpTimeoutError(f"the capture did not complete within {timeout:g} s")


async def capture_event(stream: EventStream, deadline: float, timeout: float) -> CameraEvent:
    """The next event of ``stream`` (notices of dropped events skipped) before the loop's
    clock reaches ``deadline``; else :func:`capture_timed_out` for a capture of
    ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    while True:
        left = deadline - loop.time()
        if left <= 0:
            raise capture_timed_out(timeout)
        try:
            event = await stream.get(left)
        except PtpTimeoutError:
            raise capture_timed_out(timeout) from None
        if not isinstance(event, EventsDropped):
            return event


class Dialect:
    """How the client speaks to one camera family; one instance per connected camera.

    Subclasses set :attr:`name` (what ``--dialect`` takes), :attr:`vendor` (the wire
    knowledge in :mod:`ptpkit.proto.vendors`) and :attr:`summary`, and override what
    their cameras do differently. Every method here is the contract; the behaviour of
    a standard PTP camera is :class:`~ptpkit.dialects.generic.GenericDialect`'s.
    """

    #: The dialect's name (``connect(dialect=NAME)``, ``ptpkit --dialect NAME``).
    name: ClassVar[str] = ""
    #: One line for ``--help`` and ``ptpkit info``.
    summary: ClassVar[str] = ""
    #: The vendor's wire knowledge (codes, names, dataset decoders); None: standard PTP.
    vendor: ClassVar[Vendor | None] = None
    #: The transport session class of the connection (chosen before connecting).
    transport: ClassVar[Transport] = "ptpip"
    #: Whether events are fetched by polling a vendor operation (:meth:`poll_events`);
    #: a dialect may decide in :meth:`start`, from the operations the camera lists.
    polls_events: bool = False
    #: Seconds between two polls while anyone listens.
    poll_interval: float = 0.2
    #: Where a capture goes when the camera lets the client choose: ``"card"``, or
    #: ``"memory"`` (kept in the camera until :meth:`~ptpkit.aio.client.Camera.download`
    #: fetched it, then freed: Nikon's SDRAM, Canon's and Sony's in-memory captures).
    capture_target: CaptureTarget = "card"

    def __init__(self, camera: Camera) -> None:
        self.camera = camera

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    def _now(self) -> float:
        """The event loop's clock, which poll and capture deadlines are read against."""
        return asyncio.get_running_loop().time()

    # -- choosing -----------------------------------------------------------------------
    @classmethod
    def matches(cls, info: DeviceInfo) -> bool:
        """Whether a camera with this DeviceInfo speaks this dialect: by its
        VendorExtensionID, or, for Microsoft's (6) and MTP's (0xFFFFFFFF) ids, by the
        vendor's name in Manufacturer (gphoto2's rules, dialects.md §1.2)."""
        vendor = cls.vendor
        if vendor is None:
            return False
        generic = info.vendor_extension_id in GENERIC_EXTENSION_IDS
        return vendor.matches(info.vendor_extension_id, info.manufacturer, generic=generic)

    # -- the session ----------------------------------------------------------------------
    async def start(self) -> None:
        """Runs once OpenSession and GetDeviceInfo are done (vendor handshakes, reading
        the vendor's property list). Bounded by the camera; errors that only cost a
        feature are logged, not raised."""
        raise NotImplementedError

    async def stop(self) -> None:
        """Runs before CloseSession (restore modes, end live view). Bounded; errors are
        ignored by the caller."""
        raise NotImplementedError

    # -- events -------------------------------------------------------------------------
    async def poll_events(self) -> list[CameraEvent]:
        """Poll the camera once for its events (only when :attr:`polls_events`); each
        event with ``source="poll"``. An ordinary transaction: it never waits for
        events to come."""
        raise NotImplementedError

    def accepts_channel_event(self, event: CameraEvent) -> bool:
        """Whether an event from the PTP/IP event channel goes to the event streams
        (a polling dialect may ignore the channel once its polls work)."""
        raise NotImplementedError

    def standard_event(self, code: int) -> int:
        """The standard event a vendor's event means, for naming what it is about (Sony's
        PropertyChanged 0xC203 is a DevicePropChanged 0x4006), or ``code`` itself."""
        return code

    # -- capture --------------------------------------------------------------------------
    async def capture(
        self, timeout: float, *, storage_id: int = 0, object_format: int = 0
    ) -> list[CameraObject]:
        """Take a picture; the objects it added. An object held in the camera's memory
        comes back as a :class:`~ptpkit.aio.models.CameraObject` that
        :meth:`~ptpkit.aio.client.Camera.download` fetches (then :meth:`after_download`
        frees it)."""
        raise NotImplementedError

    async def after_download(self, obj: CameraObject) -> None:
        """Runs after :meth:`~ptpkit.aio.client.Camera.download` fetched ``obj``."""
        raise NotImplementedError

    def partial_read_size(self, obj: CameraObject) -> int | None:
        """How :meth:`~ptpkit.aio.client.Camera.download` reads ``obj``: None with
        GetObject (resuming with GetPartialObject); a size: with GetPartialObject from
        the start, at most that many bytes at a time (a Canon EOS capture in the
        camera's memory, read as gphoto2 reads it)."""
        raise NotImplementedError

    def no_storage_hint(self) -> str | None:
        """Why the camera lists no storage and what to do, when the vendor knows (a Sony
        body in remote mode); listing objects then raises
        :class:`~ptpkit.errors.NotFoundError` with it. None: nothing to list, no error."""
        return None

    # -- properties -------------------------------------------------------------------------
    def property_codes(self) -> tuple[int, ...]:
        """Every property the camera has: DeviceInfo's, and the vendor's."""
        raise NotImplementedError

    async def describe(self, code: int) -> DevicePropDesc:
        """A property's descriptor (type, current and default values, allowed values)."""
        raise NotImplementedError

    async def get(self, code: int) -> PtpValue:
        """A property's current value."""
        raise NotImplementedError

    async def set(self, code: int, value: PtpValue | str) -> None:
        """Set a property; text is parsed (:meth:`parse_value`, else as a number)."""
        raise NotImplementedError

    def property_names(self) -> Mapping[str, int]:
        """Property names, lower-case as gphoto2 spells its config names
        (``"iso"``, ``"batterylevel"``), mapped to codes."""
        raise NotImplementedError

    def property_code(self, prop: str | int) -> int:
        """A property's code from a name (:meth:`property_names`, then the standard
        names) or a number; :class:`~ptpkit.errors.NotFoundError` when unknown."""
        raise NotImplementedError

    def format_value(self, code: int, value: PtpValue) -> str | None:
        """A value as the vendor's menus show it (``"+0.7 EV"``), or None when the
        dialect knows no better than the number."""
        raise NotImplementedError

    def parse_value(self, code: int, text: str) -> PtpValue | None:
        """Text as the vendor writes a value, back to the value; None when the dialect
        does not know this form (the caller then reads it as a number)."""
        raise NotImplementedError

    # -- values in words, and the one refusal --------------------------------------------------
    def value_words(self, code: int, value: PtpValue) -> str:
        """A value as ``ptpkit config`` shows it: the dialect's words
        (:meth:`format_value`), else the property tables' (its vendor's, the standard),
        else the value as it is."""
        shown = self.format_value(code, value)
        if shown is not None:
            return shown
        from ptpkit.proto.propvalues import show_value

        return show_value(code, value, None if self.vendor is None else self.vendor.name)

    def refuse(
        self, desc: DevicePropDesc, text: str, why: str = "is not an allowed value of"
    ) -> BadValueError:
        """The refusal of a value, the same for every dialect: ``'TEXT' WHY NAME: allowed
        A, B, C``, the property named as ``config`` lists it and its allowed values in this
        dialect's words (:meth:`value_words`)."""
        from ptpkit.proto.propvalues import refuse

        name = self.code_name("property", desc.device_prop_code)
        return refuse(desc, text, why, name=name, show=self.value_words)

    def read_value(self, desc: DevicePropDesc, text: str) -> PtpValue:
        """What the user typed for the property ``desc`` describes, as the value to send,
        checked against its allowed values before anything is sent: the dialect's own forms
        (:meth:`parse_value`), else its words of an allowed value, the property tables'
        words, the raw number, ``Choice: N``, ``now``; else :meth:`refuse`."""
        from ptpkit.proto.propvalues import check_allowed, parse_value

        code = desc.device_prop_code
        vendor = None if self.vendor is None else self.vendor.name
        name = self.code_name("property", code)
        parsed = self.parse_value(code, text)
        if parsed is None:
            return parse_value(
                desc, text, now=datetime.now(), vendor=vendor, name=name, show=self.value_words
            )
        return check_allowed(desc, parsed, vendor, name, show=self.value_words)

    def similar_names(self, text: str, count: int = 3) -> list[str]:
        """The property names closest to ``text`` (a mistyped name), of the properties the
        camera has: as ``config`` lists them, and gphoto2's (``iso``)."""
        import difflib

        from ptpkit.aio.models import _norm

        offered = set(self.property_codes())
        spellings: dict[str, str] = {}
        for code in offered:
            name = self.code_name("property", code)
            spellings.setdefault(_norm(name), name)
        for key, code in self.property_names().items():
            if code in offered:
                spellings.setdefault(key, key)
        close = difflib.get_close_matches(_norm(text), list(spellings), n=count, cutoff=0.6)
        return list(dict.fromkeys(spellings[key] for key in close))

    # -- names ------------------------------------------------------------------------------
    def code_name(self, kind: CodeKind, code: int) -> str:
        """A code's name in this dialect (the vendor's names first, then the standard)."""
        from ptpkit.proto.vendors.base import vendor_code_name

        return vendor_code_name(self.vendor, kind, code)
