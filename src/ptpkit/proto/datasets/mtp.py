"""MTP's ObjectPropList (GetObjectPropList 0x9805): object properties, many objects at once.

Tuned for size: a whole card's list can hold 100 000 elements, so elements are named
tuples checked in one quick pass and read in an unrolled loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from ptpkit.errors import BufferReadError, DecodeError, LocalProtocolError
from ptpkit.proto.buffer import Buffer, Fields
from ptpkit.proto.codes import DataType
from ptpkit.proto.datasets.values import (
    _SCALARS,
    _U16_MAX,
    _U32_MAX,
    PtpValue,
    _check_int,
    _check_value,
    _encodable,
    pull_array,
    pull_string,
    push_value,
)

__all__ = [
    "ObjectProp",
    "ObjectPropList",
    "pull_object_prop",
    "pull_object_prop_list",
    "push_object_prop",
    "push_object_prop_list",
]


# -- ObjectPropList (MTP) ---------------------------------------------------------------
class ObjectProp(NamedTuple):
    """One element of an :class:`ObjectPropList`: one property of one object.

    A named tuple rather than a dataclass because a card's list has tens of thousands of
    them; the list validates its elements when it is built.
    """

    handle: int
    prop_code: int
    data_type: DataType
    value: PtpValue


@dataclass(frozen=True, slots=True)
class ObjectPropList:
    """The data of MTP GetObjectPropList (0x9805): object properties, many objects at once.

    Layout (MTP 1.1, D.2.20 / appendix E.2.1.1): u32 number of elements, then each element
    as u32 ObjectHandle, u16 ObjectPropertyCode, u16 DataType and the value of that type.
    A plain int given as an element's ``data_type`` is turned into a :class:`DataType`.
    """

    elements: tuple[ObjectProp, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.elements, tuple):
            raise LocalProtocolError(
                f"ObjectPropList.elements must be a tuple, not {type(self.elements).__name__}"
            )
        if len(self.elements) > _U32_MAX:
            raise LocalProtocolError(f"ObjectPropList: {len(self.elements)} elements")
        normalised: list[ObjectProp] | None = None
        str_type, u32_max, u16_max, bounds_of = DataType.STR, _U32_MAX, _U16_MAX, _BOUNDS.get
        for index, element in enumerate(self.elements):
            # The quick test, inline: tens of thousands of elements come by here.
            if isinstance(element, ObjectProp) and isinstance(element.data_type, DataType):
                handle, code, dt, value = element
                if (
                    isinstance(handle, int)
                    and 0 <= handle <= u32_max
                    and isinstance(code, int)
                    and 0 <= code <= u16_max
                ):
                    if dt is str_type:
                        if isinstance(value, str):
                            continue
                    else:
                        bounds = bounds_of(dt)
                        if bounds is None:  # an array type
                            if _value_fits(dt, value):
                                continue
                        elif isinstance(value, int) and bounds[0] <= value <= bounds[1]:
                            continue
            if normalised is None:
                normalised = list(self.elements)
            normalised[index] = _checked_element(element)  # raises, or normalises
        if normalised is not None:  # frozen: store the normalised elements once
            object.__setattr__(self, "elements", tuple(normalised))

    def __iter__(self) -> Iterator[ObjectProp]:
        return iter(self.elements)

    def by_object(self) -> dict[int, dict[int, PtpValue]]:
        """The values grouped by object: handle → {property code: value}, in list order."""
        objects: dict[int, dict[int, PtpValue]] = {}
        for handle, code, _, value in self.elements:
            props = objects.get(handle)
            if props is None:
                props = objects[handle] = {}
            props[code] = value
        return objects

    def encode(self) -> bytes:
        buf = Buffer()
        push_object_prop_list(buf, self)
        return buf.data()

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> ObjectPropList:
        buf = Buffer(data)
        plist = pull_object_prop_list(buf)
        buf.check_end("ObjectPropList", allow_trailing=True)
        return plist


#: Data type code → DataType for every type a value can have (UNDEF excluded).
_ENCODABLE: dict[int, DataType] = {int(dt): dt for dt in DataType if dt is not DataType.UNDEF}


def _value_fits(dt: DataType, value: object) -> bool:
    """Whether ``value`` is a valid ``dt`` value (the quick test; see _check_value)."""
    if dt is DataType.STR:
        return isinstance(value, str)
    spec = _SCALARS.get(dt)
    if spec is not None:
        return isinstance(value, int) and spec.minimum <= value <= spec.maximum
    try:
        _check_value(dt, value, "value")
    except LocalProtocolError:
        return False
    return True


_BOUNDS: dict[DataType, tuple[int, int]] = {
    dt: (spec.minimum, spec.maximum) for dt, spec in _SCALARS.items()
}


def _checked_element(given: object) -> ObjectProp:
    """An ObjectPropList element, its data type made a :class:`DataType`; or the error."""
    element = given
    if not isinstance(element, ObjectProp):
        try:
            element = ObjectProp(*element)  # type: ignore[misc]
        except TypeError:
            raise LocalProtocolError(f"not an ObjectPropList element: {given!r}") from None
    handle, code, data_type, value = element
    _check_int(handle, 0, _U32_MAX, "ObjectPropList handle")
    _check_int(code, 0, _U16_MAX, "ObjectPropList property code")
    dt = _encodable(data_type)
    _check_value(dt, value, f"property 0x{code:04X} of object 0x{handle:08X}")
    return element if dt is data_type else element._replace(data_type=dt)


def _array_puller(element_type: DataType) -> Callable[[Buffer], PtpValue]:
    return lambda buf: pull_array(buf, element_type)


#: Data type code → how to read a value of that type.
_PULLERS: dict[int, Callable[[Buffer], PtpValue]] = {
    **{int(dt): spec.pull for dt, spec in _SCALARS.items()},
    **{int(dt): _array_puller(dt.element_type) for dt in DataType if dt.is_array},
    int(DataType.STR): pull_string,
}
_PROP_HEAD = Fields("IHH")  # ObjectHandle, ObjectPropertyCode, DataType
_PROP_HEAD_SIZE = 8


def pull_object_prop(buf: Buffer) -> ObjectProp:
    """One element: handle, property code, data type, value."""
    handle, code, type_code = buf.pull_fields(_PROP_HEAD)
    pull = _PULLERS.get(type_code)
    if pull is None:
        raise DecodeError(f"property 0x{code:04X}: cannot decode data type 0x{type_code:04X}")
    return ObjectProp(handle, code, _ENCODABLE[type_code], pull(buf))


def push_object_prop(buf: Buffer, element: ObjectProp) -> None:
    handle, code, dt, value = element
    buf.push_fields(_PROP_HEAD, handle, code, dt)
    push_value(buf, dt, value)


def pull_object_prop_list(buf: Buffer) -> ObjectPropList:
    """The count is checked against the bytes left (at least 9 per element) first."""
    count = buf.pull_u32()
    if count * (_PROP_HEAD_SIZE + 1) > buf.remaining():
        raise BufferReadError(
            f"ObjectPropList of {count} elements, only {buf.remaining()} bytes left"
        )
    # pull_object_prop, unrolled: a whole card's list can be 100 000 elements.
    pull_head, pullers, types = buf.pull_fields, _PULLERS, _ENCODABLE
    elements = []
    for _ in range(count):
        handle, code, type_code = pull_head(_PROP_HEAD)
        pull = pullers.get(type_code)
        if pull is None:
            raise DecodeError(f"property 0x{code:04X}: cannot decode data type 0x{type_code:04X}")
        elements.append(ObjectProp(handle, code, types[type_code], pull(buf)))
    return ObjectPropList(tuple(elements))


def push_object_prop_list(buf: Buffer, plist: ObjectPropList) -> None:
    buf.push_u32(len(plist.elements))
    for element in plist.elements:
        push_object_prop(buf, element)
