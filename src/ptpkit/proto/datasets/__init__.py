"""PTP values and datasets: strings, arrays, typed values, DeviceInfo, StorageInfo,
ObjectInfo and DevicePropDesc (ISO 15740; reference §2.7, §2.8, §3), and MTP's
ObjectPropList.

Every wire structure is a ``pull_*``/``push_*`` pair on a :class:`~ptpkit.proto.buffer.Buffer`,
and every dataset is a frozen, slotted dataclass with ``encode() -> bytes`` and a classmethod
``decode(data)``. These are the data phases of operations, so the same code serves PTP/IP
and PTP over USB.

Decisions, made here once:

* **Errors.** Decoding raises only :class:`~ptpkit.errors.DecodeError` (or its subclass
  :class:`~ptpkit.errors.BufferReadError`); encoding, and building a dataset with values
  that cannot be encoded, raise :class:`~ptpkit.errors.LocalProtocolError`.
* **Strings** (§2.8). Encoding writes ``""`` as the single byte ``00`` and refuses strings
  over 254 UTF-16 units (255 with the NUL), strings containing NUL, and lone surrogates.
  Characters outside the BMP are written as surrogate pairs and count as two units.
  Decoding accepts both ``00`` and ``01 00 00`` for ``""``, tolerates a missing NUL, stops
  at the first NUL (what a C reader such as libgphoto2 sees), and replaces undecodable
  UTF-16 (lone surrogates) with U+FFFD instead of failing: a strange serial number or
  label must not end a session.
* **Arrays.** A count is checked against the bytes left before anything is allocated.
* **Trailing bytes.** Datasets tolerate bytes after their last field (cameras pad, and
  libgphoto2 reads by offset and ignores the rest); bare values and arrays
  (:func:`decode_value`, :func:`decode_u32_array`, ...) must use the whole buffer.
* **Short datasets.** As libgphoto2 does, trailing string fields may be missing: DeviceInfo
  after ImageFormats, StorageInfo after FreeSpaceInImages, ObjectInfo after Filename (they
  decode as ``""``); a DevicePropDesc may end after its current value (no form).
* **DateTime strings** are kept raw in ObjectInfo so that a dataset re-encodes as it came
  in; :func:`parse_ptp_datetime` and :func:`format_ptp_datetime` convert. We never write
  tenths of a second: libgphoto2 reads only the first 15 characters.

The codecs live in one module per job: :mod:`~ptpkit.proto.datasets.values` (strings,
arrays, typed values, DateTime strings), :mod:`~ptpkit.proto.datasets.ptp` (DeviceInfo,
StorageInfo, ObjectInfo, DevicePropDesc) and :mod:`~ptpkit.proto.datasets.mtp`
(ObjectPropList). Import from ``ptpkit.proto.datasets``: every name is here.
"""

from __future__ import annotations

from ptpkit.proto.datasets.mtp import (
    ObjectProp,
    ObjectPropList,
    pull_object_prop,
    pull_object_prop_list,
    push_object_prop,
    push_object_prop_list,
)
from ptpkit.proto.datasets.ptp import (
    DeviceInfo,
    DevicePropDesc,
    ObjectInfo,
    PropEnum,
    PropRange,
    StorageInfo,
    pull_device_info,
    pull_device_prop_desc,
    pull_object_info,
    pull_storage_info,
    push_device_info,
    push_device_prop_desc,
    push_object_info,
    push_storage_info,
)
from ptpkit.proto.datasets.values import (
    MAX_STRING_UNITS,
    PtpValue,
    decode_u16_array,
    decode_u32_array,
    decode_value,
    encode_u16_array,
    encode_u32_array,
    encode_value,
    format_ptp_datetime,
    parse_ptp_datetime,
    pull_array,
    pull_string,
    pull_value,
    push_array,
    push_string,
    push_value,
)

__all__ = [
    "MAX_STRING_UNITS",
    "DeviceInfo",
    "DevicePropDesc",
    "ObjectInfo",
    "ObjectProp",
    "ObjectPropList",
    "PropEnum",
    "PropRange",
    "PtpValue",
    "StorageInfo",
    "decode_u16_array",
    "decode_u32_array",
    "decode_value",
    "encode_u16_array",
    "encode_u32_array",
    "encode_value",
    "format_ptp_datetime",
    "parse_ptp_datetime",
    "pull_array",
    "pull_device_info",
    "pull_device_prop_desc",
    "pull_object_info",
    "pull_object_prop",
    "pull_object_prop_list",
    "pull_storage_info",
    "pull_string",
    "pull_value",
    "push_array",
    "push_device_info",
    "push_device_prop_desc",
    "push_object_info",
    "push_object_prop",
    "push_object_prop_list",
    "push_storage_info",
    "push_string",
    "push_value",
]
