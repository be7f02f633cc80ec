"""What a vendor module declares about its camera family: the :class:`Vendor` record.

Code that shows codes or data phases (``ptpkit dissect``, the CLI) asks the device's
vendor first: :func:`vendor_code_name` names a code the way that vendor does, and
:attr:`Vendor.datasets` decodes the data phase of the vendor's own operations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TypeAlias

from ptpkit.proto.codes import CodeKind, code_name
from ptpkit.proto.codes.vendor import GENERIC_EXTENSION_IDS

__all__ = ["GENERIC_EXTENSION_IDS", "DataDecoder", "Vendor", "vendor_code_name"]

#: Decodes the data phase of one vendor operation, typically a dataset class's
#: ``decode``; malformed data raises :class:`~ptpkit.errors.DecodeError`.
DataDecoder: TypeAlias = Callable[[bytes], object]


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Vendor:
    """One camera family's wire knowledge, as its module in :mod:`ptpkit.proto.vendors`
    declares it (``VENDOR = Vendor(...)``, listed in
    :data:`~ptpkit.proto.vendors.registry.KNOWN_VENDORS`).

    ``extension_id`` (DeviceInfo's VendorExtensionID: 0xA Nikon, 0xB Canon, 0xE Fuji,
    0x11 Sony) and ``manufacturers`` (strings one of which DeviceInfo's Manufacturer
    contains, for devices that report Microsoft's or MTP's extension id) choose the vendor,
    as gphoto2 does (dialects.md §1.2). ``codes`` gives the vendor's enums per kind of
    code, asked before the standard tables. ``datasets`` maps an operation code to the
    decoder of its data phase.
    """

    name: str
    extension_id: int
    manufacturers: tuple[str, ...] = ()
    codes: Mapping[CodeKind, tuple[type[IntEnum], ...]] = field(default_factory=dict)
    datasets: Mapping[int, DataDecoder] = field(default_factory=dict)
    _names: dict[str, dict[int, str]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        names: dict[str, dict[int, str]] = {}
        for kind, enums in self.codes.items():
            table = names.setdefault(kind, {})
            for enum_cls in enums:  # an earlier enum wins a shared value
                for member in enum_cls:
                    table.setdefault(member.value, member.name)
        object.__setattr__(self, "_names", names)

    def code_name(self, kind: CodeKind, value: int) -> str | None:
        """This vendor's name for ``value`` as a code of ``kind``, or None."""
        table = self._names.get(kind)
        return None if table is None else table.get(value)

    def matches(self, extension_id: int, manufacturer: str, *, generic: bool) -> bool:
        """Whether a DeviceInfo with these fields is this vendor's. ``generic``: the
        extension id is one that names no maker, so the manufacturer decides."""
        if extension_id == self.extension_id:
            return True
        return generic and any(text in manufacturer for text in self.manufacturers)


def vendor_code_name(vendor: Vendor | None, kind: CodeKind, value: int) -> str:
    """``value``'s name as ``vendor`` calls it, else :func:`~ptpkit.proto.codes.code_name`."""
    if vendor is not None:
        name = vendor.code_name(kind, value)
        if name is not None:
            return name
    return code_name(kind, value)
