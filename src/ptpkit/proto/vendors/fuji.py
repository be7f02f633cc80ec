"""Fujifilm wire knowledge: codes, the Fuji PTP/IP packets and the vendor datasets.

Fujifilm cameras speak their own variant of PTP/IP (reference dialects.md §5). Only the
handshake resembles CIPA's: the initiator sends a fixed 82-byte Init Command Request with
a magic number where CIPA puts the GUID (:class:`FujiInitCommandRequest`), and the camera
answers with the standard Init Command Ack or Init Fail. Everything after it is the
USB bulk container carried over TCP (:class:`FujiPacket`)::

    u32 length (header included) | u16 kind | u16 code | u32 transaction id | payload

with kind 1 command, 2 data, 3 response, 4 event. A data phase is **one** kind-2 packet
whose code repeats the operation code. There is no Init Event exchange: the event
(55741) and live-view (55742) sockets are plain TCP connections opened after
InitiateOpenCapture. :mod:`ptpkit.proto.fuji_framing` splits the byte stream,
:mod:`ptpkit.proto.fuji_session` runs the handshake and the transactions.

Names follow libgphoto2's ``ptp.h`` (``PTP_OC_FUJI_*``, ``PTP_DPC_FUJI_*``,
``PTP_EC_FUJI_*``); where it has no macro, the comment says where the name comes from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ptpkit.errors import DecodeError, LocalProtocolError
from ptpkit.proto.buffer import Buffer, Fields
from ptpkit.proto.codes import EventCode, ObjectFormat, OperationCode, PacketType
from ptpkit.proto.datasets import (
    DeviceInfo,
    DevicePropDesc,
    pull_device_prop_desc,
    push_device_prop_desc,
)
from ptpkit.proto.vendors._wire import U16_MAX, U32_MAX, check_uint
from ptpkit.proto.vendors.base import Vendor
from ptpkit.proto.vendors.fuji_codes import (
    FUJI_OPERATION_DATA_DIRECTION,
    INIT_SEQUENCE,
    FujiAFStatus,
    FujiCameraAction,
    FujiDevicePropCode,
    FujiEventCode,
    FujiOperationCode,
    FujiPacketKind,
    FujiPriorityMode,
)
from ptpkit.proto.vendors.fuji_ids import (
    COMMAND_PORT,
    EVENT_PORT,
    INIT_FAIL_WRONG_VERSION,
    LIVEVIEW_PORT,
)
from ptpkit.proto.vendors.fuji_props import (
    FILM_SIMULATIONS,
    FUJI_PROPERTY_NAMES,
    FUJI_VALUE_NAMES,
    format_fuji_value,
    parse_fuji_value,
)

__all__ = [
    "COMMAND_PORT",
    "EVENT_PORT",
    "FILM_SIMULATIONS",
    "FUJI_HEADER_SIZE",
    "FUJI_OPERATION_DATA_DIRECTION",
    "FUJI_PROPERTY_NAMES",
    "FUJI_VALUE_NAMES",
    "INIT_FAIL_WRONG_VERSION",
    "INIT_MAGIC",
    "INIT_NAME_MAX_CHARS",
    "INIT_REQUEST_SIZE",
    "INIT_SEQUENCE",
    "LIVEVIEW_HEADER_SIZE",
    "LIVEVIEW_PORT",
    "MAX_FUJI_PARAMS",
    "VENDOR",
    "VENDOR_EXTENSION_ID",
    "FujiAFStatus",
    "FujiCameraAction",
    "FujiCurrentState",
    "FujiDevicePropCode",
    "FujiDevicePropList",
    "FujiEventCode",
    "FujiInitCommandRequest",
    "FujiLiveViewFrame",
    "FujiOperationCode",
    "FujiPacket",
    "FujiPacketKind",
    "FujiPriorityMode",
    "builtin_device_info",
    "data_header",
    "format_fuji_value",
    "params_packet",
    "parse_fuji_value",
    "unpack_header",
]

#: The value at offset 8 of the Init Command Request, where CIPA puts the GUID.
INIT_MAGIC = 0x8F53E4F2
#: The Init Command Request is always 82 bytes (the X-T4 closes the socket otherwise).
INIT_REQUEST_SIZE = 82
_INIT_GUID_AT = 12
_INIT_NAME_AT = 28
#: At most 26 UTF-16 characters of host name fit before the terminating zero unit.
INIT_NAME_MAX_CHARS = (INIT_REQUEST_SIZE - _INIT_NAME_AT - 1) // 2

#: The 12-byte container header after the handshake.
FUJI_HEADER_SIZE = 12
#: Parameters a command, response or event may carry (the USB container's five).
MAX_FUJI_PARAMS = 5
#: The VendorExtensionID of Fujifilm DeviceInfo (gphoto2's PTP_VENDOR_FUJI).
VENDOR_EXTENSION_ID = 0xE
#: A live-view frame: u32 length, 14 vendor bytes, then the JPEG (§9; fujiptpip.c's
#: "14 byte blob in front of the FF D8", malc0mn/ptp-ip's 18-byte strip).
LIVEVIEW_HEADER_SIZE = 18

_HEADER = Fields("IHHI")  # length, kind, code, transaction id
_INIT_HEAD = Fields("III")  # length, PTP/IP type, magic
_PARAMS = tuple(Fields("I" * n) for n in range(MAX_FUJI_PARAMS + 1))


# -- the handshake -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FujiInitCommandRequest:
    """The fixed 82-byte Init Command Request (§5.1)::

        u32 82 | u32 1 (PTP/IP type) | u32 0x8F53E4F2 | GUID[16] at 12 |
        host name, UTF-16LE at 28, at most 26 characters, zero-padded to the end

    Decoding accepts a shorter packet too (older gphoto2 sent only the name and its zero
    unit), never a longer one, and requires the magic number.
    """

    guid: bytes
    friendly_name: str

    def __post_init__(self) -> None:
        if not isinstance(self.guid, bytes) or len(self.guid) != 16:
            raise LocalProtocolError(f"GUID must be 16 bytes, got {self.guid!r}")
        name = self.friendly_name
        if not isinstance(name, str) or "\x00" in name:
            raise LocalProtocolError(f"friendly name must be a str without NUL: {name!r}")
        units = len(name.encode("utf-16-le", errors="surrogatepass")) // 2
        if units > INIT_NAME_MAX_CHARS:
            raise LocalProtocolError(
                f"friendly name has {units} UTF-16 units, at most {INIT_NAME_MAX_CHARS} fit"
            )

    def encode(self) -> bytes:
        name = self.friendly_name.encode("utf-16-le", errors="surrogatepass")
        head = _INIT_HEAD.pack(INIT_REQUEST_SIZE, PacketType.InitCommandRequest, INIT_MAGIC)
        padding = bytes(INIT_REQUEST_SIZE - _INIT_NAME_AT - len(name))
        return head + self.guid + name + padding

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> FujiInitCommandRequest:
        buf = Buffer(data)
        length, ptype, magic = buf.pull_fields(_INIT_HEAD)
        if length != len(data):
            raise DecodeError(f"length field {length} but {len(data)} bytes given")
        if not _INIT_NAME_AT <= length <= INIT_REQUEST_SIZE:
            raise DecodeError(f"Fuji Init Command Request of {length} bytes (82 expected)")
        if ptype != PacketType.InitCommandRequest:
            raise DecodeError(f"packet type {ptype} is not InitCommandRequest")
        if magic != INIT_MAGIC:
            raise DecodeError(f"Fuji Init Command Request without the magic (0x{magic:08X})")
        guid = buf.pull_bytes(16)
        raw = buf.pull_rest()
        if len(raw) % 2:
            raise DecodeError("friendly name is not whole UTF-16 units")
        units = [raw[i : i + 2] for i in range(0, len(raw), 2)]
        end = units.index(b"\x00\x00") if b"\x00\x00" in units else len(units)
        if end > INIT_NAME_MAX_CHARS:
            raise DecodeError(f"friendly name of {end} units, at most {INIT_NAME_MAX_CHARS}")
        name = b"".join(units[:end]).decode("utf-16-le", errors="replace")
        return cls(guid, name)


# -- the container -------------------------------------------------------------------------
def params_packet(kind: int, code: int, transaction_id: int, params: tuple[int, ...]) -> bytes:
    """A whole command, response or event packet (the hot path: no object built)."""
    count = len(params)
    if count > MAX_FUJI_PARAMS:
        raise LocalProtocolError(f"at most {MAX_FUJI_PARAMS} parameters, got {count}")
    size = FUJI_HEADER_SIZE + 4 * count
    return _HEADER.pack(size, kind, code, transaction_id) + _PARAMS[count].pack(*params)


def data_header(payload_length: int, code: int, transaction_id: int) -> bytes:
    """The 12 bytes before the payload of the single data packet of a data phase."""
    total = FUJI_HEADER_SIZE + payload_length
    if payload_length < 0 or total > U32_MAX:
        raise LocalProtocolError(f"data payload of {payload_length} bytes does not fit a packet")
    return _HEADER.pack(total, FujiPacketKind.Data, code, transaction_id)


@dataclass(frozen=True, slots=True)
class FujiPacket:
    """One packet after the handshake: ``kind``, ``code`` (operation, response or event
    code; a data packet repeats the operation code), ``transaction_id`` and the raw
    ``payload`` (parameters for kinds 1, 3 and 4, the data for kind 2)."""

    kind: int
    code: int
    transaction_id: int
    payload: bytes = field(default=b"", repr=False)

    def __post_init__(self) -> None:
        check_uint(self.kind, 16, "packet kind")
        check_uint(self.code, 16, "code")
        check_uint(self.transaction_id, 32, "transaction id")
        if not isinstance(self.payload, bytes):
            raise LocalProtocolError("payload must be bytes")
        if FUJI_HEADER_SIZE + len(self.payload) > U32_MAX:
            raise LocalProtocolError("payload too long for a u32 length")

    @classmethod
    def with_params(
        cls, kind: int, code: int, transaction_id: int, params: tuple[int, ...] = ()
    ) -> FujiPacket:
        if len(params) > MAX_FUJI_PARAMS:
            raise LocalProtocolError(f"at most {MAX_FUJI_PARAMS} parameters, got {len(params)}")
        return cls(kind, code, transaction_id, _PARAMS[len(params)].pack(*params))

    @property
    def params(self) -> tuple[int, ...]:
        """The payload as u32 parameters; DecodeError when it cannot be."""
        size = len(self.payload)
        if size % 4:
            raise DecodeError(f"{size} parameter bytes is not a multiple of 4")
        if size > 4 * MAX_FUJI_PARAMS:
            raise DecodeError(f"{size // 4} parameters, at most {MAX_FUJI_PARAMS}")
        return _PARAMS[size // 4].unpack_from(self.payload, 0)

    def encode(self) -> bytes:
        size = FUJI_HEADER_SIZE + len(self.payload)
        return _HEADER.pack(size, self.kind, self.code, self.transaction_id) + self.payload

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> FujiPacket:
        buf = Buffer(data)
        length, kind, code, tid = buf.pull_fields(_HEADER)
        if length != len(data):
            raise DecodeError(f"length field {length} but {len(data)} bytes given")
        return cls(kind, code, tid, buf.pull_rest())


def unpack_header(data: bytes | bytearray | memoryview, offset: int) -> tuple[int, ...]:
    """(length, kind, code, transaction id) at ``offset``; the caller checks 12 bytes are there."""
    return _HEADER.unpack_from(data, offset)


# -- vendor datasets ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FujiDevicePropList:
    """The data of 0x902B Fuji GetDeviceInfo (§5.3)::

        u32 count | count x (u32 size | DevicePropDesc)

    ``size`` counts its own four bytes (a real X-T1's answer, quoted by malc0mn/ptp-ip,
    starts ``08 00 00 00 16 00 00 00 12 50``: 8 entries, the first 22 bytes long for an
    18-byte descriptor of 0x5012). gphoto2 keeps only the property codes, and fails its
    init when the data is shorter than 8 bytes, so list at least one property.
    """

    descs: tuple[DevicePropDesc, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.descs, tuple) or not all(
            isinstance(d, DevicePropDesc) for d in self.descs
        ):
            raise LocalProtocolError("descs must be a tuple of DevicePropDesc")

    @property
    def codes(self) -> tuple[int, ...]:
        return tuple(desc.device_prop_code for desc in self.descs)

    def encode(self) -> bytes:
        buf = Buffer()
        buf.push_u32(len(self.descs))
        for desc in self.descs:
            entry = Buffer()
            push_device_prop_desc(entry, desc)
            body = entry.data()
            buf.push_u32(4 + len(body))
            buf.push_bytes(body)
        return buf.data()

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> FujiDevicePropList:
        buf = Buffer(data)
        count = buf.pull_u32()
        if count * 4 > buf.remaining():
            raise DecodeError(f"{count} property entries cannot fit in {buf.remaining()} bytes")
        descs = []
        for _ in range(count):
            size = buf.pull_u32()
            if size < 4:
                raise DecodeError(f"property entry of size {size}, below its own 4 bytes")
            entry = Buffer(buf.pull_bytes(size - 4))
            descs.append(pull_device_prop_desc(entry))  # padding inside an entry is allowed
        buf.check_end("FujiDevicePropList", allow_trailing=True)
        return cls(tuple(descs))


_STATE_ENTRY = Fields("HI")


@dataclass(frozen=True, slots=True)
class FujiCurrentState:
    """The value of 0xD212 CurrentState: the properties that changed since the last read
    (§5.4)::

        u16 count | count x (u16 property code | u32 value)
    """

    changes: tuple[tuple[int, int], ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.changes, tuple) or len(self.changes) > U16_MAX:
            raise LocalProtocolError("changes must be a tuple of at most 65535 pairs")
        for pair in self.changes:
            if not isinstance(pair, tuple) or len(pair) != 2:
                raise LocalProtocolError(f"change must be (code, value): {pair!r}")
            check_uint(pair[0], 16, "property code")
            check_uint(pair[1], 32, "property value")

    def encode(self) -> bytes:
        buf = Buffer()
        buf.push_u16(len(self.changes))
        for code, value in self.changes:
            buf.push_fields(_STATE_ENTRY, code, value)
        return buf.data()

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> FujiCurrentState:
        buf = Buffer(data)
        count = buf.pull_u16()
        if count * _STATE_ENTRY.size > buf.remaining():
            raise DecodeError(f"{count} state entries cannot fit in {buf.remaining()} bytes")
        changes = tuple(
            (int(code), int(value))
            for code, value in (buf.pull_fields(_STATE_ENTRY) for _ in range(count))
        )
        buf.check_end("FujiCurrentState", allow_trailing=True)
        return cls(changes)


@dataclass(frozen=True, slots=True)
class FujiLiveViewFrame:
    """One frame on the live-view socket (55742): ``u32 length`` (counting itself), 14
    vendor bytes, then the JPEG. ``header`` keeps the 14 bytes as they came (their
    meaning is unknown: malc0mn/ptp-ip saw zero bytes and a frame counter); it must not
    contain FF D8, because gphoto2 cuts the frame out at the first FF D8."""

    jpeg: bytes = field(repr=False)
    header: bytes = bytes(LIVEVIEW_HEADER_SIZE - 4)

    def __post_init__(self) -> None:
        if not isinstance(self.header, bytes) or len(self.header) != LIVEVIEW_HEADER_SIZE - 4:
            raise LocalProtocolError(f"header must be {LIVEVIEW_HEADER_SIZE - 4} bytes")
        if not isinstance(self.jpeg, bytes):
            raise LocalProtocolError("jpeg must be bytes")
        if LIVEVIEW_HEADER_SIZE + len(self.jpeg) > U32_MAX:
            raise LocalProtocolError("frame too long for a u32 length")

    def encode(self) -> bytes:
        buf = Buffer()
        buf.push_u32(LIVEVIEW_HEADER_SIZE + len(self.jpeg))
        buf.push_bytes(self.header)
        buf.push_bytes(self.jpeg)
        return buf.data()

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> FujiLiveViewFrame:
        buf = Buffer(data)
        length = buf.pull_u32()
        if length != len(data):
            raise DecodeError(f"length field {length} but {len(data)} bytes given")
        if length < LIVEVIEW_HEADER_SIZE:
            raise DecodeError(f"live-view frame of {length} bytes, below its 18-byte header")
        header = buf.pull_bytes(LIVEVIEW_HEADER_SIZE - 4)
        return cls(buf.pull_rest(), header)


# -- what a body that says nothing about itself has ------------------------------------------
def builtin_device_info() -> DeviceInfo:
    """The DeviceInfo to assume when a body answers GetDeviceInfo with no data (the X-T4
    does, gphoto2 notes): VendorExtensionID 0xE and the standard operations, the events
    and the formats of the X-H1's real DeviceInfo (``tests/fixtures``; its unnamed 0x90xx
    and MTP operations left out), plus 0x902B, whose answer then lists the properties.
    Manufacturer "FUJIFILM"; the model is not known."""
    op = OperationCode
    return DeviceInfo(
        vendor_extension_id=VENDOR_EXTENSION_ID,
        vendor_extension_version=100,
        vendor_extension_desc="fujifilm.co.jp: 1.0; ",
        operations_supported=(
            *range(op.GetDeviceInfo, op.DeleteObject + 1),
            op.InitiateCapture,
            op.FormatStore,
            *range(op.GetDevicePropDesc, op.TerminateOpenCapture + 1),
            op.GetPartialObject,
            op.InitiateOpenCapture,
            FujiOperationCode.GetDeviceInfo,
        ),
        events_supported=(
            EventCode.ObjectAdded,
            EventCode.ObjectRemoved,
            EventCode.StoreAdded,
            EventCode.StoreRemoved,
            EventCode.CaptureComplete,
            0xC006,
        ),
        capture_formats=(ObjectFormat.UndefinedImage, ObjectFormat.EXIF_JPEG, 0xB103),
        image_formats=(ObjectFormat.UndefinedImage, ObjectFormat.EXIF_JPEG, 0xB103),
        manufacturer="FUJIFILM",
    )


#: Fujifilm, as dissect and the dialects find it: by VendorExtensionID 0xE, or by a
#: Manufacturer containing "FUJIFILM" with Microsoft's or MTP's extension id (the X-H1
#: reports 6 over USB).
VENDOR = Vendor(
    name="fuji",
    extension_id=VENDOR_EXTENSION_ID,
    manufacturers=("FUJIFILM",),
    codes={
        "operation": (FujiOperationCode,),
        "event": (FujiEventCode,),
        "property": (FujiDevicePropCode,),
    },
    datasets={FujiOperationCode.GetDeviceInfo: FujiDevicePropList.decode},
)
