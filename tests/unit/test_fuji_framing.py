"""The Fujifilm PTP/IP variant: golden vectors written by hand from reference dialects.md
§5 (the table row in each comment), the real X-H1 DeviceInfo container, the framing's
bounds, and an in-memory initiator/responder pair (double init, OpenSession, data-out,
data-in, an event, a response with parameters), whole and one byte at a time."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import REPO_ROOT
from fuji_helpers import INITIATOR_GUID, RESPONDER_GUID, FujiPair, bytewise, whole

from ptpkit.errors import DecodeError, LocalProtocolError, RemoteProtocolError
from ptpkit.proto.buffer import Buffer
from ptpkit.proto.codes import DataType, OperationCode, ResponseCode
from ptpkit.proto.datasets import DeviceInfo, DevicePropDesc, PropEnum, pull_device_info
from ptpkit.proto.events import (
    Channel,
    DataPhaseEnded,
    DataPhaseStarted,
    DataReceived,
    EventReceived,
    HandshakeCompleted,
    InitFailed,
    InitiatorConnected,
    OperationRequested,
    ResponseReceived,
    TimedOut,
)
from ptpkit.proto.fuji_framing import FujiDataChunk, FujiLiveViewReader, FujiPacketReader
from ptpkit.proto.packets import InitCommandAck, InitFail
from ptpkit.proto.state import LinkState
from ptpkit.proto.vendors.fuji import (
    COMMAND_PORT,
    EVENT_PORT,
    INIT_MAGIC,
    LIVEVIEW_PORT,
    FujiCurrentState,
    FujiDevicePropCode,
    FujiDevicePropList,
    FujiEventCode,
    FujiInitCommandRequest,
    FujiLiveViewFrame,
    FujiOperationCode,
    FujiPacket,
)

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "fuji-xh1-deviceinfo.usb.bin"

# §5.1: u32 82, u32 1, u32 0x8F53E4F2 at 8, GUID at 12, UTF-16LE name at 28, zero-padded.
INIT_REQUEST = bytes.fromhex(
    "5200000001000000f2e4538f000102030405060708090a0b0c0d0e0f7000740070006b0069007400"  # "ptpkit"
) + bytes(42)
# §5.1: the standard Init Command Ack: len, type 2, connection 7, GUID, "X-H1", version 1.0.
INIT_ACK = bytes.fromhex(
    "2a0000000200000007000000101112131415161718191a1b1c1d1e1f58002d0048003100000000000100"
)
# §5.1: Init Fail (type 5); Fujifilm sends PTP response codes as the reason (0x2019 busy).
INIT_FAIL = bytes.fromhex("0c0000000500000019200000")
# §5.2 kind 1: OpenSession(1), transaction 0 — [len][kind][code][tid][params].
OPEN_SESSION = bytes.fromhex("10000000010002100000000001000000")
# §5.2 kind 3: OK, transaction 0, no parameters.
RESPONSE_OK_0 = bytes.fromhex("0c0000000300012000000000")
# §5.3: SetDevicePropValue 0xDF01 InitSequence = u16 5: kind 1 then one kind-2 packet.
SET_INIT_SEQUENCE = bytes.fromhex("10000000010016100100000001df0000")
SET_INIT_SEQUENCE_DATA = bytes.fromhex("0e00000002001610010000000500")
# §5.2 kind 4 on the event socket: ObjectAdded 0x4002(handle 5), no transaction.
EVENT_OBJECT_ADDED = bytes.fromhex("1000000004000240ffffffff05000000")
# §5.4 0xD212 CurrentState: u16 count, then {u16 property, u32 value}: AFStatus = 2.
CURRENT_STATE = bytes.fromhex("010009d202000000")
# §5.3 0x902B: u32 count, then [u32 size (counting itself)][DevicePropDesc]: the first entry
# of a real X-T1 answer (malc0mn/ptp-ip README): 0x5012 UINT16, GetSet, 0, 0, enum {0,2,4}.
PROP_LIST = bytes.fromhex("0100000016000000125004000100000000020300000002000400")
# §9: u32 length, 14 vendor bytes, then the JPEG (here just SOI EOI).
LIVEVIEW_FRAME = bytes.fromhex("16000000") + bytes(14) + bytes.fromhex("ffd8ffd9")


def drain(reader: FujiPacketReader) -> list[Any]:
    items = []
    while (item := reader.next_item()) is not None:
        items.append(item)
    return items


def read_all(data: bytes, *, bytewise_feed: bool, handshake: bool = False) -> list[Any]:
    reader = FujiPacketReader(handshake=handshake)
    items: list[Any] = []
    for piece in bytewise(data) if bytewise_feed else [data]:
        reader.feed(piece)
        items += drain(reader)
    return items


def joined(items: list[Any]) -> list[Any]:
    """Data chunks of one packet joined into (code, tid, payload)."""
    out: list[Any] = []
    for item in items:
        if isinstance(item, FujiDataChunk):
            if item.first:
                out.append(("data", item.code, item.transaction_id, b""))
            kind, code, tid, data = out[-1]
            out[-1] = (kind, code, tid, data + item.data)
        else:
            out.append(item)
    return out


# -- codes and codecs -------------------------------------------------------------------
def test_ports_and_codes() -> None:
    assert (COMMAND_PORT, EVENT_PORT, LIVEVIEW_PORT) == (55740, 55741, 55742)
    assert INIT_MAGIC == 0x8F53E4F2
    assert FujiOperationCode.GetDeviceInfo == 0x902B
    assert FujiDevicePropCode.InitSequence == 0xDF01
    assert FujiDevicePropCode.AppVersion == 0xDF24
    assert FujiDevicePropCode.PriorityMode == 0xD207
    assert FujiDevicePropCode.CameraAction == 0xD208
    assert FujiDevicePropCode.AFStatus == 0xD209
    assert FujiDevicePropCode.CurrentState == 0xD212
    assert FujiDevicePropCode.LensZoomPosCaps == 0xD38C
    assert FujiEventCode.ObjectAdded == 0xC004


@pytest.mark.parametrize("feed", [whole, bytewise], ids=["whole", "bytewise"])
def test_init_request_golden(feed: Any) -> None:
    request = FujiInitCommandRequest(INITIATOR_GUID, "ptpkit")
    assert request.encode() == INIT_REQUEST
    assert len(INIT_REQUEST) == 82
    assert FujiInitCommandRequest.decode(INIT_REQUEST) == request
    # Through the framing it reads as kind 1, code 0, the magic where the tid is.
    items = read_all(INIT_REQUEST, bytewise_feed=feed is bytewise)
    assert items == [FujiPacket(1, 0, INIT_MAGIC, INIT_REQUEST[12:])]


def test_init_request_name_limits() -> None:
    FujiInitCommandRequest(INITIATOR_GUID, "x" * 26)
    with pytest.raises(LocalProtocolError):
        FujiInitCommandRequest(INITIATOR_GUID, "x" * 27)
    with pytest.raises(LocalProtocolError):
        FujiInitCommandRequest(INITIATOR_GUID[:15], "x")
    assert FujiInitCommandRequest(INITIATOR_GUID, "x" * 26).encode()[-2:] == b"\x00\x00"
    # The pre-2.5.30 form: only the name and its zero unit.
    short = bytes.fromhex("2000000001000000f2e4538f") + INITIATOR_GUID + b"h\x00\x00\x00"
    assert FujiInitCommandRequest.decode(short).friendly_name == "h"


@pytest.mark.parametrize(
    "data",
    [
        INIT_REQUEST[:8] + b"\x00\x00\x00\x00" + INIT_REQUEST[12:],  # no magic
        bytes.fromhex("54000000") + INIT_REQUEST[4:] + b"\x00\x00",  # 84 bytes
        INIT_REQUEST[:81],  # length field says 82
        INIT_REQUEST[:28] + b"x\x00" * 27,  # 27 characters and no zero unit
        bytes.fromhex("1d00000001000000f2e4538f") + INITIATOR_GUID + b"h",  # odd
    ],
)
def test_init_request_malformed(data: bytes) -> None:
    with pytest.raises(DecodeError):
        FujiInitCommandRequest.decode(data)


def test_handshake_replies_golden() -> None:
    assert InitCommandAck(7, RESPONDER_GUID, "X-H1").encode() == INIT_ACK
    assert InitFail(0x2019).encode() == INIT_FAIL
    items = read_all(INIT_ACK + INIT_FAIL, bytewise_feed=True, handshake=True)
    assert items == [InitCommandAck(7, RESPONDER_GUID, "X-H1"), InitFail(0x2019)]


@pytest.mark.parametrize(
    ("data", "packet"),
    [
        (OPEN_SESSION, FujiPacket.with_params(1, 0x1002, 0, (1,))),
        (RESPONSE_OK_0, FujiPacket(3, 0x2001, 0)),
        (SET_INIT_SEQUENCE, FujiPacket.with_params(1, 0x1016, 1, (0xDF01,))),
        (EVENT_OBJECT_ADDED, FujiPacket.with_params(4, 0x4002, 0xFFFFFFFF, (5,))),
    ],
)
def test_packets_golden(data: bytes, packet: FujiPacket) -> None:
    assert packet.encode() == data
    assert FujiPacket.decode(data) == packet
    for feed in (False, True):
        assert read_all(data, bytewise_feed=feed) == [packet]


def test_data_packet_golden_streams() -> None:
    assert FujiPacket(2, 0x1016, 1, b"\x05\x00").encode() == SET_INIT_SEQUENCE_DATA
    items = read_all(SET_INIT_SEQUENCE_DATA, bytewise_feed=True)
    assert [i.data for i in items] == [b"\x05", b"\x00"]
    assert items[0].first and not items[0].last and items[1].last
    assert items[0].payload_length == 2
    empty = read_all(bytes.fromhex("0c0000000200011003000000"), bytewise_feed=True)
    assert empty == [FujiDataChunk(0x1001, 3, b"", True, True, 12)]


def test_vendor_datasets_golden() -> None:
    state = FujiCurrentState(((0xD209, 2),))
    assert state.encode() == CURRENT_STATE
    assert FujiCurrentState.decode(CURRENT_STATE) == state
    desc = DevicePropDesc(
        device_prop_code=0x5012,
        data_type=DataType.UINT16,
        get_set=1,
        factory_default_value=0,
        current_value=0,
        form=PropEnum((0, 2, 4)),
    )
    plist = FujiDevicePropList((desc,))
    assert plist.encode() == PROP_LIST
    assert FujiDevicePropList.decode(PROP_LIST) == plist
    assert plist.codes == (0x5012,)
    frame = FujiLiveViewFrame(bytes.fromhex("ffd8ffd9"))
    assert frame.encode() == LIVEVIEW_FRAME
    assert FujiLiveViewFrame.decode(LIVEVIEW_FRAME) == frame


@pytest.mark.parametrize(
    ("cls", "data"),
    [
        (FujiCurrentState, bytes.fromhex("020009d202000000")),  # 2 announced, 1 there
        (FujiDevicePropList, bytes.fromhex("0100000003000000")),  # entry below 4 bytes
        (FujiDevicePropList, bytes.fromhex("ffffffff")),  # a count that cannot fit
        (FujiLiveViewFrame, bytes.fromhex("08000000") + bytes(4)),  # below the 18 bytes
        (FujiPacket, bytes.fromhex("0d0000000300012000000000")),  # length lies
    ],
)
def test_vendor_datasets_malformed(cls: Any, data: bytes) -> None:
    with pytest.raises(DecodeError):
        cls.decode(data)


def test_params_must_be_whole_words() -> None:
    with pytest.raises(DecodeError):
        _ = FujiPacket(3, 0x2001, 0, b"\x01\x00").params
    with pytest.raises(DecodeError):
        _ = FujiPacket(3, 0x2001, 0, bytes(24)).params
    with pytest.raises(LocalProtocolError):
        FujiPacket.with_params(1, 0x1001, 0, (1, 2, 3, 4, 5, 6))


# -- the real X-H1 DeviceInfo container ---------------------------------------------------
@pytest.mark.parametrize("feed", [False, True], ids=["whole", "bytewise"])
def test_xh1_fixture_through_the_framing(feed: bool) -> None:
    data = FIXTURE.read_bytes()
    assert len(data) == 605
    items = joined(read_all(data, bytewise_feed=feed))
    assert len(items) == 1
    kind, code, tid, payload = items[0]
    assert (kind, code, tid, len(payload)) == ("data", 0x1001, 1, 605 - 12)
    info = DeviceInfo.decode(payload)
    assert info.standard_version == 100
    assert info.vendor_extension_id == 6
    assert info.vendor_extension_version == 100
    assert info.vendor_extension_desc == "fujifilm.co.jp: 1.0; "
    assert info.functional_mode == 0
    assert len(info.operations_supported) == 27
    assert info.operations_supported[:3] == (0x1001, 0x1002, 0x1003)
    assert info.events_supported == (0x4002, 0x4003, 0x4004, 0x4005, 0x400D, 0xC006)
    assert len(info.device_properties_supported) == 168
    assert info.device_properties_supported[:3] == (0x5001, 0x5003, 0x5005)
    assert info.capture_formats == info.image_formats == (0x3800, 0x3801, 0xB103)
    assert (info.manufacturer, info.model, info.device_version) == ("FUJIFILM", "X-H1", "2.14")
    assert info.serial_number == "593534313432190906AA602021CA2A"
    buf = Buffer(payload)
    pull_device_info(buf)
    assert buf.eof()  # the dataset ends exactly at byte 605


# -- bounds ---------------------------------------------------------------------------------
@pytest.mark.parametrize("length", [0, 4, 8, 11])
@pytest.mark.parametrize("handshake", [False, True])
def test_short_length_is_a_remote_error(length: int, handshake: bool) -> None:
    reader = FujiPacketReader(handshake=handshake)
    reader.feed(length.to_bytes(4, "little") + bytes(8))
    with pytest.raises(RemoteProtocolError):
        reader.next_item()


@pytest.mark.parametrize("kind", [1, 3, 4])
def test_oversized_control_packet_is_a_remote_error(kind: int) -> None:
    reader = FujiPacketReader(max_packet_size=1024)
    reader.feed((1025).to_bytes(4, "little") + kind.to_bytes(2, "little") + bytes(6))
    with pytest.raises(RemoteProtocolError):
        reader.next_item()


def test_big_data_packet_is_streamed_not_buffered() -> None:
    size = 8 << 20
    reader = FujiPacketReader(max_packet_size=1024)
    reader.feed((12 + size).to_bytes(4, "little") + bytes.fromhex("0200091004000000"))
    got = 0
    piece = bytes(64 << 10)
    while got < size:
        reader.feed(piece)
        chunks = drain(reader)
        assert len(chunks) == 1 and len(chunks[0].data) == len(piece)
        assert reader.buffered == 0
        got += len(piece)
    assert chunks[0].last


def test_unknown_kind_and_eof_mid_packet() -> None:
    reader = FujiPacketReader()
    reader.feed(bytes.fromhex("0c0000000700012000000000"))
    with pytest.raises(DecodeError):
        reader.next_item()
    reader = FujiPacketReader()
    reader.feed(OPEN_SESSION[:9])
    assert reader.next_item() is None
    reader.feed(b"")
    with pytest.raises(DecodeError):
        reader.next_item()
    reader = FujiPacketReader()
    reader.feed(SET_INIT_SEQUENCE_DATA[:13])
    assert reader.next_item() is not None
    reader.feed(b"")
    with pytest.raises(DecodeError):
        reader.next_item()


def test_liveview_reader() -> None:
    reader = FujiLiveViewReader(max_frame_size=64)
    for byte in bytewise(LIVEVIEW_FRAME * 2):
        reader.feed(byte)
    frames = []
    while (frame := reader.next_frame()) is not None:
        frames.append(frame)
    assert [f.jpeg for f in frames] == [bytes.fromhex("ffd8ffd9")] * 2
    reader.feed((65).to_bytes(4, "little"))
    with pytest.raises(RemoteProtocolError):
        reader.next_frame()
    reader = FujiLiveViewReader()
    reader.feed((17).to_bytes(4, "little"))
    with pytest.raises(DecodeError):
        reader.next_frame()


# -- the session pair -----------------------------------------------------------------------
@pytest.mark.parametrize("split", [whole, bytewise], ids=["whole", "bytewise"])
def test_full_session(split: Any) -> None:
    pair = FujiPair(split)
    ini, rsp = pair.ini, pair.rsp
    ini.start(0.0)
    rsp.start(0.0)
    # The double init (§5.1): two 82-byte requests on one socket, both acknowledged.
    _, rsp_events = pair.pump()
    assert rsp_events == [InitiatorConnected(INITIATOR_GUID, "ptpkit", INIT_MAGIC)]
    rsp.accept(0.0)
    ini_events, rsp_events = pair.pump()
    assert ini_events == []
    assert rsp_events == [
        HandshakeCompleted(7, INITIATOR_GUID, "ptpkit"),
        InitiatorConnected(INITIATOR_GUID, "ptpkit", INIT_MAGIC),
    ]
    rsp.accept(0.0)
    ini_events, _ = pair.pump()
    assert ini_events == [HandshakeCompleted(7, RESPONDER_GUID, "X-H1")]
    assert [d for who, _, d in pair.wire if who == "ini"] == [INIT_REQUEST, INIT_REQUEST]
    assert [d for who, _, d in pair.wire if who == "rsp"] == [INIT_ACK, INIT_ACK]
    assert ini.init_requests == rsp.init_requests == 2

    # OpenSession(1), a response without parameters.
    mark = len(pair.wire)
    assert ini.send_request(OperationCode.OpenSession, (1,), now=1.0) == 0
    _, rsp_events = pair.pump()
    assert rsp_events == [OperationRequested(0x1002, 0, (1,), 1, False)]
    rsp.send_response(ResponseCode.OK)
    ini_events, _ = pair.pump()
    assert ini_events == [ResponseReceived(0x2001, 0, ())]
    assert [d for _, _, d in pair.wire[mark:]] == [OPEN_SESSION, RESPONSE_OK_0]

    # A data-out operation: SetDevicePropValue 0xDF01 = u16 5 (§5.3).
    mark = len(pair.wire)
    tid = ini.send_request(0x1016, (FujiDevicePropCode.InitSequence,), data_out_length=2, now=2)
    assert tid == 1
    assert ini.send_data(b"\x05\x00", 2.0)
    _, rsp_events = pair.pump()
    assert rsp_events == [
        OperationRequested(0x1016, 1, (0xDF01,), 2, True),
        DataPhaseStarted(1, 2),
        DataReceived(1, b"\x05\x00"),
        DataPhaseEnded(1, 2),
    ]
    rsp.send_response(ResponseCode.OK)
    ini_events, _ = pair.pump()
    assert ini_events == [ResponseReceived(0x2001, 1, ())]
    sent = b"".join(d for who, _, d in pair.wire[mark:] if who == "ini")
    assert sent == SET_INIT_SEQUENCE + SET_INIT_SEQUENCE_DATA

    # A data-in operation, streamed by the responder: the X-H1's DeviceInfo.
    payload = FIXTURE.read_bytes()[12:]
    tid = ini.send_request(OperationCode.GetDeviceInfo, now=3.0)
    _, rsp_events = pair.pump()
    assert rsp_events == [OperationRequested(0x1001, 2, (), 1, False)]
    rsp.start_data_in(len(payload), 3.0)
    for at in range(0, len(payload), 100):
        rsp.send_data(payload[at : at + 100], 3.0)
    rsp.send_response(ResponseCode.OK)
    ini_events, _ = pair.pump()
    assert ini_events == [
        DataPhaseStarted(2, 593),
        DataReceived(2, payload),
        DataPhaseEnded(2, 593),
        ResponseReceived(0x2001, 2, ()),
    ]
    assert DeviceInfo.decode(ini_events[1].data).model == "X-H1"

    # An event, held until the event socket is connected (after InitiateOpenCapture).
    rsp.send_event(0x4002, (5,))
    assert rsp.data_to_send() == []
    rsp.event_channel_opened(4.0)
    ini_events, _ = pair.pump()
    assert ini_events == [EventReceived(0x4002, 0xFFFFFFFF, (5,))]
    assert pair.wire[-1] == ("rsp", Channel.EVENT, EVENT_OBJECT_ADDED)

    # A response with parameters, and a one-piece answer with data (Fuji GetDeviceInfo).
    ini.send_request(OperationCode.GetNumObjects, (0xFFFFFFFF,), now=5.0)
    pair.pump()
    rsp.send_response(ResponseCode.OK, (3,))
    ini_events, _ = pair.pump()
    assert ini_events == [ResponseReceived(0x2001, 3, (3,))]
    ini.send_request(FujiOperationCode.GetDeviceInfo, now=6.0)
    pair.pump()
    rsp.answer(ResponseCode.OK, data=PROP_LIST)
    ini_events, _ = pair.pump()
    assert ini_events[1] == DataReceived(4, PROP_LIST)
    assert FujiDevicePropList.decode(ini_events[1].data).codes == (0x5012,)
    assert ini_events[-1] == ResponseReceived(0x2001, 4, ())


def test_init_fail_then_ack_the_real_camera_pattern() -> None:
    pair = FujiPair()
    pair.ini.start(0.0)
    pair.rsp.start(0.0)
    pair.pump()
    pair.rsp.reject(0x2019, 0.0)
    assert pair.rsp.retry_expected
    ini_events, rsp_events = pair.pump()
    assert ini_events == rsp_events == []
    assert pair.ini.next_deadline() == 0.5  # gphoto2 waits 500 ms
    pair.ini.handle_timer(0.4)
    assert pair.ini.data_to_send() == []
    pair.ini.handle_timer(0.5)
    pair.now = 0.5
    _, rsp_events = pair.pump()
    assert isinstance(rsp_events[0], InitiatorConnected)
    pair.rsp.accept(0.5)
    ini_events, _ = pair.pump()
    assert ini_events == [HandshakeCompleted(7, RESPONDER_GUID, "X-H1")]


def test_final_init_fail() -> None:
    pair = FujiPair(initiator={"init_requests": 1}, responder={"max_init_requests": 1})
    pair.ini.start(0.0)
    pair.rsp.start(0.0)
    pair.pump()
    pair.rsp.reject(0x201D, 0.0)
    ini_events, rsp_events = pair.pump()
    assert ini_events == [InitFailed(0x201D, Channel.COMMAND)]
    assert rsp_events == [InitFailed(0x201D, Channel.COMMAND)]
    assert pair.ini.link is pair.rsp.link is LinkState.FAILED


def test_single_init_and_no_init_after_an_operation() -> None:
    pair = FujiPair(initiator={"init_requests": 1})
    pair.ini.start(0.0)
    pair.rsp.start(0.0)
    pair.pump()
    pair.rsp.accept(0.0)
    ini_events, _ = pair.pump()
    assert isinstance(ini_events[0], HandshakeCompleted)
    pair.ini.send_request(OperationCode.OpenSession, (1,), now=0.0)
    pair.pump()
    pair.rsp.send_response(ResponseCode.OK)
    pair.pump()
    pair.rsp.receive_data(Channel.COMMAND, INIT_REQUEST, 1.0)
    with pytest.raises(RemoteProtocolError):
        pair.rsp.next_event()
    assert pair.rsp.link is LinkState.ERROR


def test_data_out_answered_early_is_discarded() -> None:
    pair = FujiPair()
    pair.handshake()
    pair.ini.send_request(0x1016, (0xD207,), data_out_length=2, now=0.0)
    for channel, data in pair.ini.data_to_send():  # the command only: the data comes later
        pair.rsp.receive_data(channel, data, 0.0)
    assert isinstance(pair.rsp.next_event(), OperationRequested)
    pair.rsp.send_response(ResponseCode.DevicePropNotSupported)
    pair.ini.send_data(b"\x02\x00", 0.0)
    ini_events, rsp_events = pair.pump()
    assert rsp_events == []
    assert ini_events == [ResponseReceived(0x200A, 0, ())]
    pair.ini.send_request(OperationCode.GetDeviceInfo, now=0.0)
    _, rsp_events = pair.pump()
    assert rsp_events == [OperationRequested(0x1001, 0, (), 1, False)]


def test_unknown_operation_data_is_taken_as_data_out() -> None:
    pair = FujiPair(responder={"data_directions": lambda code: None})
    pair.handshake()
    pair.ini.send_request(0x9999, data_out_length=3, now=0.0)
    pair.ini.send_data(b"abc", 0.0)
    _, rsp_events = pair.pump()
    assert rsp_events[0] == OperationRequested(0x9999, 0, (), 1, False)
    assert rsp_events[1:] == [DataPhaseStarted(0, 3), DataReceived(0, b"abc"), DataPhaseEnded(0, 3)]


def test_peer_errors() -> None:
    # A second data packet in one data-in phase (§5.2: data-in must be one packet).
    pair = FujiPair()
    pair.handshake()
    pair.ini.send_request(OperationCode.GetDeviceInfo, now=0.0)
    pair.pump()
    data = FujiPacket(2, 0x1001, 0, b"x").encode()
    pair.ini.receive_data(Channel.COMMAND, data + data, 0.0)
    with pytest.raises(RemoteProtocolError):
        while pair.ini.next_event() is not None:
            pass
    # A response for another transaction carries InvalidTransactionID as its hint.
    pair = FujiPair()
    pair.handshake()
    pair.ini.send_request(OperationCode.GetDeviceInfo, now=0.0)
    pair.pump()
    pair.ini.receive_data(Channel.COMMAND, FujiPacket(3, 0x2001, 9).encode(), 0.0)
    with pytest.raises(RemoteProtocolError) as info:
        pair.ini.next_event()
    assert info.value.response_code_hint == ResponseCode.InvalidTransactionID
    # An event on the command socket; a command before the handshake.
    pair = FujiPair()
    pair.handshake()
    pair.ini.receive_data(Channel.COMMAND, EVENT_OBJECT_ADDED, 0.0)
    with pytest.raises(RemoteProtocolError):
        pair.ini.next_event()
    pair = FujiPair()
    pair.rsp.receive_data(Channel.COMMAND, OPEN_SESSION, 0.0)
    with pytest.raises(RemoteProtocolError):
        pair.rsp.next_event()


def test_local_errors() -> None:
    pair = FujiPair()
    with pytest.raises(LocalProtocolError):
        pair.ini.send_request(OperationCode.OpenSession, (1,), now=0.0)
    pair.handshake()
    pair.ini.send_request(OperationCode.GetDeviceInfo, now=0.0)
    with pytest.raises(LocalProtocolError):
        pair.ini.send_request(OperationCode.GetDeviceInfo, now=0.0)
    with pytest.raises(LocalProtocolError):
        pair.ini.send_data(b"x", 0.0)
    pair.pump()
    pair.rsp.start_data_in(4, 0.0)
    with pytest.raises(LocalProtocolError):
        pair.rsp.send_data(b"12345", 0.0)
    with pytest.raises(LocalProtocolError):
        pair.rsp.send_response(ResponseCode.OK)  # the data phase is not complete


def test_timers() -> None:
    pair = FujiPair(initiator={"response_timeout": 5.0})
    pair.ini.start(0.0)
    assert pair.ini.next_deadline() == 30.0
    pair.ini.handle_timer(30.0)
    assert pair.ini.next_event() == TimedOut("handshake")
    pair = FujiPair(initiator={"response_timeout": 5.0})
    pair.handshake()
    assert pair.ini.next_deadline() is None
    pair.ini.send_request(OperationCode.GetDeviceInfo, now=10.0)
    assert pair.ini.next_deadline() == 15.0
    pair.ini.handle_timer(15.0)
    assert pair.ini.next_event() == TimedOut("response")
    rsp = FujiPair().rsp
    rsp.start(1.0)
    assert rsp.next_deadline() == 11.0
