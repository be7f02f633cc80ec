"""Hypothesis for the Fujifilm PTP/IP variant: every packet kind and vendor dataset survives
encode -> decode (whole and through the framing in any split), a whole session gives the
same events however its bytes are cut, and garbage only ever raises ptpkit's own errors —
from the decoders, the readers and READY sessions of both roles on both channels."""

from __future__ import annotations

import itertools
from typing import Any

from fuji_helpers import FujiPair
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ptpkit.errors import DecodeError, RemoteProtocolError
from ptpkit.proto.codes import DataType, OperationCode, ResponseCode
from ptpkit.proto.datasets import DevicePropDesc, PropEnum, PropRange
from ptpkit.proto.events import Channel
from ptpkit.proto.fuji_framing import FujiDataChunk, FujiLiveViewReader, FujiPacketReader
from ptpkit.proto.vendors.fuji import (
    INIT_NAME_MAX_CHARS,
    FujiCurrentState,
    FujiDevicePropList,
    FujiInitCommandRequest,
    FujiLiveViewFrame,
    FujiPacket,
)

u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
params = st.lists(u32, max_size=5).map(tuple)
control_packets = st.builds(FujiPacket.with_params, st.sampled_from([1, 3, 4]), u16, u32, params)
data_packets = st.builds(FujiPacket, st.just(2), u16, u32, st.binary(max_size=300))
packets = st.one_of(control_packets, data_packets)
names = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=INIT_NAME_MAX_CHARS,
).filter(lambda s: len(s.encode("utf-16-le")) // 2 <= INIT_NAME_MAX_CHARS)


def cut(data: bytes, points: list[int]) -> list[bytes]:
    bounds = [0, *sorted({p for p in points if 0 < p < len(data)}), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


def read_joined(pieces: list[bytes]) -> list[Any]:
    reader = FujiPacketReader()
    out: list[Any] = []
    for piece in pieces:
        reader.feed(piece)
        while (item := reader.next_item()) is not None:
            if isinstance(item, FujiDataChunk):
                if item.first:
                    out.append(FujiPacket(2, item.code, item.transaction_id, b""))
                last = out[-1]
                out[-1] = FujiPacket(2, last.code, last.transaction_id, last.payload + item.data)
            else:
                out.append(item)
    return out


@given(packets)
def test_packet_roundtrip(packet: FujiPacket) -> None:
    assert FujiPacket.decode(packet.encode()) == packet
    if packet.kind != 2:
        assert (
            FujiPacket.with_params(packet.kind, packet.code, packet.transaction_id, packet.params)
            == packet
        )


@given(st.lists(packets, max_size=6), st.lists(st.integers(0, 4000), max_size=30))
def test_any_split_gives_the_same_packets(items: list[FujiPacket], points: list[int]) -> None:
    stream = b"".join(p.encode() for p in items)
    assert read_joined(cut(stream, points)) == items
    assert read_joined([stream]) == items


@given(st.binary(min_size=16, max_size=16), names)
def test_init_request_roundtrip(guid: bytes, name: str) -> None:
    request = FujiInitCommandRequest(guid, name)
    data = request.encode()
    assert len(data) == 82
    assert FujiInitCommandRequest.decode(data) == request


descs = st.one_of(
    st.builds(
        lambda code, gs, d, c, vals: DevicePropDesc(
            device_prop_code=code,
            data_type=DataType.UINT16,
            get_set=gs,
            factory_default_value=d,
            current_value=c,
            form=PropEnum(tuple(vals)),
        ),
        u16,
        st.integers(0, 1),
        u16,
        u16,
        st.lists(u16, max_size=5),
    ),
    st.builds(
        lambda code, d, c, lo, hi, step: DevicePropDesc(
            device_prop_code=code,
            data_type=DataType.INT32,
            factory_default_value=d,
            current_value=c,
            form=PropRange(lo, hi, step),
        ),
        u16,
        *(st.integers(-(2**31), 2**31 - 1) for _ in range(5)),
    ),
    st.builds(
        lambda code, v: DevicePropDesc(
            device_prop_code=code,
            data_type=DataType.UINT32,
            factory_default_value=v,
            current_value=v,
        ),
        u16,
        u32,
    ),
)


@given(st.lists(descs, max_size=5).map(tuple))
def test_prop_list_roundtrip(items: tuple[DevicePropDesc, ...]) -> None:
    plist = FujiDevicePropList(items)
    assert FujiDevicePropList.decode(plist.encode()) == plist


@given(st.lists(st.tuples(u16, u32), max_size=20).map(tuple))
def test_current_state_roundtrip(changes: tuple[tuple[int, int], ...]) -> None:
    state = FujiCurrentState(changes)
    assert FujiCurrentState.decode(state.encode()) == state


@given(st.binary(max_size=200), st.binary(min_size=14, max_size=14), st.integers(1, 50))
def test_liveview_roundtrip_in_any_split(jpeg: bytes, header: bytes, step: int) -> None:
    frame = FujiLiveViewFrame(jpeg, header)
    data = frame.encode() * 2
    reader = FujiLiveViewReader()
    frames = []
    for at in range(0, len(data), step):
        reader.feed(data[at : at + step])
        while (got := reader.next_frame()) is not None:
            frames.append(got)
    assert frames == [frame, frame]


# -- garbage ----------------------------------------------------------------------------------
@given(st.binary(max_size=300))
def test_garbage_decoders_raise_only_decode_error(data: bytes) -> None:
    for cls in (
        FujiPacket,
        FujiInitCommandRequest,
        FujiDevicePropList,
        FujiCurrentState,
        FujiLiveViewFrame,
    ):
        try:
            cls.decode(data)
        except DecodeError:
            pass


@given(st.binary(max_size=400), st.booleans(), st.integers(1, 64))
def test_garbage_readers_raise_only_remote_errors(data: bytes, handshake: bool, step: int) -> None:
    reader = FujiPacketReader(handshake=handshake, max_packet_size=256)
    live = FujiLiveViewReader(max_frame_size=256)
    try:
        for at in range(0, len(data), step):
            reader.feed(data[at : at + step])
            while reader.next_item() is not None:
                pass
        reader.feed(b"")
        reader.next_item()
    except RemoteProtocolError:
        pass
    try:
        live.feed(data)
        while live.next_frame() is not None:
            pass
    except RemoteProtocolError:
        pass


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=60)
@given(
    st.binary(max_size=200),
    st.sampled_from(["ini", "rsp"]),
    st.sampled_from([Channel.COMMAND, Channel.EVENT]),
    st.booleans(),
)
def test_garbage_to_ready_sessions_raises_only_remote_errors(
    data: bytes, side: str, channel: Channel, mid_transaction: bool
) -> None:
    pair = FujiPair()
    pair.handshake()
    if mid_transaction:
        pair.ini.send_request(OperationCode.GetDeviceInfo, now=0.0)
        pair.pump()
    target = pair.ini if side == "ini" else pair.rsp
    target.receive_data(channel, data, 0.0)
    target.receive_data(channel, b"", 0.0)
    try:
        while target.next_event() is not None:
            pass
    except RemoteProtocolError:
        pass


def run_session(split: Any) -> list[Any]:
    """A whole session; returns every event of both sides, in order."""
    pair = FujiPair(split)
    log: list[Any] = []

    def pump() -> None:
        ini, rsp = pair.pump()
        log.extend(("ini", e) for e in ini)
        log.extend(("rsp", e) for e in rsp)

    pair.ini.start(0.0)
    pair.rsp.start(0.0)
    pump()
    pair.rsp.reject(0x2019, 0.0)
    pump()
    pair.ini.handle_timer(1.0)
    pump()
    pair.rsp.accept(1.0)
    pump()
    pair.ini.send_request(OperationCode.OpenSession, (1,), now=1.0)
    pump()
    pair.rsp.send_response(ResponseCode.OK)
    pump()
    pair.ini.send_request(0x1016, (0xD207,), data_out_length=300, now=2.0)
    pair.ini.send_data(bytes(range(256)), 2.0)
    pair.ini.send_data(bytes(44), 2.0)
    pump()
    pair.rsp.send_response(ResponseCode.OK)
    pump()
    pair.ini.send_request(OperationCode.GetObject, (5,), now=3.0)
    pump()
    pair.rsp.start_data_in(1000, 3.0)
    for _ in range(10):
        pair.rsp.send_data(bytes(range(100)), 3.0)
    pair.rsp.event_channel_opened(3.0)
    pair.rsp.send_event(0x4002, (5,))
    pair.rsp.send_response(ResponseCode.OK, (1, 2))
    pump()
    return log


REFERENCE = run_session(lambda data: [data])


@settings(max_examples=40)
@given(st.lists(st.integers(0, 1100), max_size=8))
def test_arbitrary_splits_give_the_same_events(points: list[int]) -> None:
    assert run_session(lambda data: cut(data, points)) == REFERENCE
