"""Client dialects: how the client speaks to each camera family.

One module per vendor, of the same name as its wire knowledge in
:mod:`ptpkit.proto.vendors` and its emulator persona in
:mod:`ptpkit.emulator.personas`. :data:`DIALECTS` lists them (the generic one last);
:func:`choose_dialect` picks one from a DeviceInfo as gphoto2 does (dialects.md §1.2),
unless the user named one (``connect(dialect=NAME)``, ``ptpkit --dialect NAME``,
``PTPKIT_DIALECT``). See :class:`~ptpkit.dialects.base.Dialect` for what a dialect does.

A dialect's module (and its vendor's wire knowledge) is imported only when that dialect
is chosen or named: :data:`REGISTRY` says, as plain data, which cameras each dialect
claims (:class:`DialectEntry`), so that a command talking to a standard camera loads none
of the vendors' code (a test checks that each entry agrees with its class's ``matches``).

A new vendor: write ``dialects/<vendor>.py`` with a subclass of
:class:`~ptpkit.dialects.generic.GenericDialect` and add its :class:`DialectEntry` to
:data:`REGISTRY`.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ptpkit.proto.codes.vendor import GENERIC_EXTENSION_IDS

if TYPE_CHECKING:
    from ptpkit.dialects.base import Dialect
    from ptpkit.dialects.fuji import FujiDialect
    from ptpkit.dialects.generic import GenericDialect
    from ptpkit.dialects.nikon import NikonDialect
    from ptpkit.dialects.sony import SonyDialect
    from ptpkit.proto.datasets import DeviceInfo

__all__ = [
    "AUTO",
    "DIALECTS",
    "REGISTRY",
    "Dialect",
    "DialectEntry",
    "FujiDialect",
    "GenericDialect",
    "NikonDialect",
    "SonyDialect",
    "choose_dialect",
    "dialect_class",
]

#: Let the camera's DeviceInfo decide.
AUTO = "auto"

_MTP_ID = 0xFFFFFFFF


class DialectEntry:
    """Which cameras a dialect claims, without importing it (gphoto2's rules,
    dialects.md §1.2), and where its class is.

    A camera is claimed when its VendorExtensionID is ``extension_id``, or is one of
    ``generic_ids`` (ids that name no maker) and its Manufacturer contains one of
    ``manufacturers`` (equals one, with ``exact``); and, when ``operations`` is not
    empty, its DeviceInfo lists at least one of them. ``extension_id`` None: every
    camera (the generic dialect). (A plain class: a dataclass costs a millisecond at
    import, on every command's start.)
    """

    __slots__ = (
        "exact",
        "extension_id",
        "generic_ids",
        "manufacturers",
        "name",
        "operations",
        "target",
    )

    def __init__(
        self,
        name: str,
        target: str,
        extension_id: int | None = None,
        manufacturers: tuple[str, ...] = (),
        *,
        generic_ids: frozenset[int] = GENERIC_EXTENSION_IDS,
        exact: bool = False,
        operations: tuple[int, ...] = (),
    ) -> None:
        self.name = name
        #: ``"module:Class"``, imported when the dialect is chosen or named.
        self.target = target
        self.extension_id = extension_id
        self.manufacturers = manufacturers
        self.generic_ids = generic_ids
        self.exact = exact
        self.operations = operations

    def __repr__(self) -> str:
        return f"DialectEntry({self.name!r}, {self.target!r})"

    def matches(self, info: DeviceInfo) -> bool:
        """Whether a camera with this DeviceInfo speaks this dialect."""
        if self.extension_id is None:
            return True
        ext = info.vendor_extension_id
        if ext != self.extension_id:
            if ext not in self.generic_ids:
                return False
            maker = info.manufacturer
            if self.exact:
                if maker not in self.manufacturers:
                    return False
            elif not any(text in maker for text in self.manufacturers):
                return False
        if self.operations:
            listed = info.operations_supported
            return any(code in listed for code in self.operations)
        return True

    def load(self) -> type[Dialect]:
        """The dialect's class (its module imported now, if not yet)."""
        module_name, _, attr = self.target.partition(":")
        cls: type[Dialect] = getattr(importlib.import_module(module_name), attr)
        return cls


#: Every dialect, in the order they are tried; the generic dialect is last and takes
#: every camera the others do not claim.
REGISTRY: tuple[DialectEntry, ...] = (
    DialectEntry("nikon", "ptpkit.dialects.nikon:NikonDialect", 0xA, ("Nikon",)),
    DialectEntry(
        "canon-eos",
        "ptpkit.dialects.canon:CanonEosDialect",
        0xB,
        ("Canon",),
        operations=(0x910F, 0x9128),  # RemoteRelease, RemoteReleaseOn: the EOS path
    ),
    # Sony over PTP/IP: MTP's id and Manufacturer exactly "Sony Corporation" (rule i)
    DialectEntry(
        "sony",
        "ptpkit.dialects.sony:SonyDialect",
        0x11,
        ("Sony Corporation",),
        generic_ids=frozenset({_MTP_ID}),
        exact=True,
    ),
    DialectEntry("fujifilm", "ptpkit.dialects.fuji:FujiDialect", 0xE, ("FUJIFILM",)),
    DialectEntry("generic", "ptpkit.dialects.generic:GenericDialect"),
)


class _Dialects(Mapping[str, "type[Dialect]"]):
    """Every dialect by name, in :data:`REGISTRY`'s order; a class is imported when it is
    first looked up (``DIALECTS["nikon"]``), the names cost nothing."""

    def __init__(self, entries: tuple[DialectEntry, ...]) -> None:
        self._entries = {entry.name: entry for entry in entries}

    def __getitem__(self, name: str) -> type[Dialect]:
        return self._entries[name].load()

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __repr__(self) -> str:
        return f"<dialects {', '.join(self._entries)}>"


#: Every dialect by name, in the order they are tried (the generic one last).
DIALECTS: Mapping[str, type[Dialect]] = _Dialects(REGISTRY)


def dialect_class(name: str) -> type[Dialect]:
    """The dialect called ``name``; ValueError (listing the names) when there is none."""
    key = name.strip().lower()
    if key not in DIALECTS:
        known = ", ".join([AUTO, *DIALECTS])
        raise ValueError(f"no dialect named {name!r} (known: {known})")
    return DIALECTS[key]


def choose_dialect(info: DeviceInfo, override: str | type[Dialect] | None = None) -> type[Dialect]:
    """The dialect for a camera with this DeviceInfo: ``override`` when it names one
    (not None or ``"auto"``; a class of one's own is taken as it is), else the first of
    :data:`DIALECTS` that claims the camera."""
    if isinstance(override, type):
        return override
    if override is not None and override.strip().lower() != AUTO:
        return dialect_class(override)
    for entry in REGISTRY:
        if entry.matches(info):
            return entry.load()
    return REGISTRY[-1].load()


#: The classes importable from here (``from ptpkit.dialects import NikonDialect``),
#: loaded on first use.
_LAZY_NAMES = {
    "Dialect": "ptpkit.dialects.base",
    "GenericDialect": "ptpkit.dialects.generic",
    "NikonDialect": "ptpkit.dialects.nikon",
    "SonyDialect": "ptpkit.dialects.sony",
    "FujiDialect": "ptpkit.dialects.fuji",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY_NAMES.get(name)
    if module_name is None:
        raise AttributeError(f"module 'ptpkit.dialects' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value
