"""Client dialects: how the client speaks to each camera family.

One module per vendor, of the same name as its wire knowledge in
:mod:`ptpkit.proto.vendors` and its emulator persona in
:mod:`ptpkit.emulator.personas`. :data:`DIALECTS` lists them (the generic one last);
:func:`choose_dialect` picks one from a DeviceInfo as gphoto2 does (dialects.md §1.2),
unless the user named one (``connect(dialect=NAME)``, ``ptpkit --dialect NAME``,
``PTPKIT_DIALECT``). See :class:`~ptpkit.dialects.base.Dialect` for what a dialect does.

A new vendor: write ``dialects/<vendor>.py`` with a subclass of
:class:`~ptpkit.dialects.generic.GenericDialect` and add it to :data:`DIALECTS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ptpkit.dialects.base import Dialect
from ptpkit.dialects.canon import CanonEosDialect
from ptpkit.dialects.fuji import FujiDialect
from ptpkit.dialects.generic import GenericDialect
from ptpkit.dialects.nikon import NikonDialect
from ptpkit.dialects.sony import SonyDialect
from ptpkit.proto.datasets import DeviceInfo

__all__ = [
    "AUTO",
    "DIALECTS",
    "Dialect",
    "FujiDialect",
    "GenericDialect",
    "NikonDialect",
    "SonyDialect",
    "choose_dialect",
    "dialect_class",
]

#: Let the camera's DeviceInfo decide.
AUTO = "auto"

#: Every dialect by name, in the order they are tried; the generic dialect is last and
#: takes every camera the others do not claim.
DIALECTS: Mapping[str, type[Dialect]] = MappingProxyType(
    {
        cls.name: cls
        for cls in (NikonDialect, CanonEosDialect, SonyDialect, FujiDialect, GenericDialect)
    }
)


def dialect_class(name: str) -> type[Dialect]:
    """The dialect called ``name``; ValueError (listing the names) when there is none."""
    cls = DIALECTS.get(name.strip().lower())
    if cls is None:
        known = ", ".join([AUTO, *DIALECTS])
        raise ValueError(f"no dialect named {name!r} (known: {known})")
    return cls


def choose_dialect(info: DeviceInfo, override: str | type[Dialect] | None = None) -> type[Dialect]:
    """The dialect for a camera with this DeviceInfo: ``override`` when it names one
    (not None or ``"auto"``; a class of one's own is taken as it is), else the first of
    :data:`DIALECTS` that claims the camera."""
    if isinstance(override, type):
        return override
    if override is not None and override.strip().lower() != AUTO:
        return dialect_class(override)
    for cls in DIALECTS.values():
        if cls.matches(info):
            return cls
    return GenericDialect
