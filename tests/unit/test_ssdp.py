"""The SSDP codec (ptpkit.proto.ssdp) and the "which camera is this" classifiers, on real
advertisement texts (tests/discovery_texts.py, each with its source), round trips and
garbage."""

from __future__ import annotations

import pytest
from discovery_texts import (
    CANON_70D_ALIVE,
    CANON_70D_DESCRIPTION,
    CANON_70D_IP,
    CANON_70D_MAC,
    CANON_MOBILE_TARGETS,
    FUJI_AUTOSAVE_DISCOVER,
    GSSDP_MSEARCH_CANON,
    NIKON_Z9_TXT,
    SONY_DESCRIPTION,
    SONY_NTS,
    SONY_SCALAR_WEBAPI,
    SONY_SERVER,
    SONY_UUID,
    sony_notify,
    sony_usn,
)
from hypothesis import given
from hypothesis import strategies as st

from ptpkit.discovery.records import (
    DNS_SD,
    SSDP,
    FoundCamera,
    from_dns_sd,
    from_ssdp,
    txt_vendor,
)
from ptpkit.errors import DecodeError
from ptpkit.proto.ssdp import (
    CANON_EOS_SERVICE,
    MAX_MESSAGE,
    SONY_MTP_SERVICE,
    Classification,
    DeviceDescription,
    Headers,
    Notify,
    SearchRequest,
    SearchResponse,
    classify,
    decode_message,
    usn_uuid,
)

# -- real texts ----------------------------------------------------------------------------


def test_canon_70d_alive_notify():
    message = decode_message(CANON_70D_ALIVE)
    assert isinstance(message, Notify)
    assert message.nt == CANON_EOS_SERVICE
    assert message.nts == "ssdp:alive"
    assert message.alive
    assert message.location == f"http://{CANON_70D_IP}:49152/upnp/CameraDevDesc.xml"
    assert message.server == "Camera OS/1.0 UPnP/1.0 Canon Device Discovery/1.0"
    assert message.max_age == 1800
    assert message.host == "239.255.255.250:1900"
    assert usn_uuid(message.usn) == f"00000000-0000-0000-0001-{CANON_70D_MAC}".lower()
    assert message.extra == Headers()
    assert classify(message.nt, message.usn, message.server) == Classification("canon", "canon-eos")


def test_header_names_are_case_insensitive():
    message = Notify.decode(CANON_70D_ALIVE.replace(b"Location:", b"lOcAtIoN:"))
    assert message.location is not None
    lower = Notify.decode(CANON_70D_ALIVE.lower())
    assert lower.nt == CANON_EOS_SERVICE.lower()
    headers = Headers((("Cache-Control", "max-age=5"),))
    assert headers.get("CACHE-CONTROL") == headers.get("cache-control") == "max-age=5"
    assert "cache-control" in headers


def test_bare_newlines_are_accepted():
    message = Notify.decode(CANON_70D_ALIVE.replace(b"\r\n", b"\n"))
    assert message.nt == CANON_EOS_SERVICE


@pytest.mark.parametrize("nt", SONY_NTS)
def test_sony_send_to_computer_notifies(nt: str):
    message = decode_message(sony_notify(nt))
    assert isinstance(message, Notify)
    assert message.nt == nt
    assert message.usn == sony_usn(nt)
    assert message.server == SONY_SERVER
    assert usn_uuid(message.usn) == SONY_UUID
    kind = classify(message.nt, message.usn, message.server)
    if "microsoft-com" in nt:
        assert kind == Classification("sony", "mtp")
    else:  # upnp:rootdevice and the bare uuid say nothing about a camera
        assert kind is None


def test_sony_byebye():
    message = decode_message(sony_notify(SONY_MTP_SERVICE, nts="ssdp:byebye"))
    assert isinstance(message, Notify)
    assert not message.alive
    assert message.location is None and message.server is None


def test_sony_is_recognised_without_the_server_line_by_its_uuid():
    usn = sony_usn(SONY_MTP_SERVICE)
    assert classify(SONY_MTP_SERVICE, usn, None) == Classification("sony", "mtp")


def test_an_mtp_device_of_unknown_make():
    usn = "uuid:12345678-aaaa-bbbb-cccc-0123456789ab::" + SONY_MTP_SERVICE
    assert classify(SONY_MTP_SERVICE, usn, "Linux UPnP/1.0 Other/1") == Classification(None, "mtp")
    assert classify(SONY_MTP_SERVICE, usn, None, "Sony Corporation") == Classification(
        "sony", "mtp"
    )


def test_gssdp_discover_m_search():
    request = decode_message(GSSDP_MSEARCH_CANON)
    assert isinstance(request, SearchRequest)
    assert request.st == CANON_EOS_SERVICE
    assert request.mx == 3
    assert request.extra.get("user-agent", "").endswith("GSSDP/1.6.2")


@pytest.mark.parametrize("target", CANON_MOBILE_TARGETS)
def test_canon_mobile_targets(target: str):
    request = SearchRequest.decode(SearchRequest(target, mx=1).encode())
    assert request.st == target
    assert classify(target) == Classification("canon", "canon-mobile")


def test_not_cameras():
    assert classify(SONY_SCALAR_WEBAPI, f"uuid:x::{SONY_SCALAR_WEBAPI}", "Sony") is None
    assert classify("upnp:rootdevice", "uuid:x::upnp:rootdevice", "Linux UPnP/1.0 IGD") is None
    assert classify("urn:schemas-upnp-org:device:MediaRenderer:1") is None
    assert classify(None) is None


def test_canon_by_its_server_line():
    kind = classify(
        "upnp:rootdevice",
        "uuid:x::upnp:rootdevice",
        "Camera OS/1.0 UPnP/1.0 Canon Device Discovery/1.0",
    )
    assert kind == Classification("canon", "canon-eos")


def test_fuji_autosave_discover_is_not_ssdp():
    with pytest.raises(DecodeError):
        decode_message(FUJI_AUTOSAVE_DISCOVER)


def test_search_response_from_the_canon_lines():
    text = (
        b"HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\n"
        b"LOCATION: http://192.168.0.120:49152/upnp/CameraDevDesc.xml\r\n"
        b"SERVER: Camera OS/1.0 UPnP/1.0 Canon Device Discovery/1.0\r\n"
        b"ST: urn:schemas-canon-com:service:ICPO-WFTEOSSystemService:1\r\n"
        b"USN: uuid:00000000-0000-0000-0001-60128B7CC240::"
        b"urn:schemas-canon-com:service:ICPO-WFTEOSSystemService:1\r\n\r\n"
    )
    response = decode_message(text)
    assert isinstance(response, SearchResponse)
    assert response.st == CANON_EOS_SERVICE
    assert response.max_age == 1800
    assert response.target == CANON_EOS_SERVICE
    assert SearchResponse.decode(response.encode()) == response


# -- descriptions ----------------------------------------------------------------------------


def test_sony_description():
    description = DeviceDescription.decode(SONY_DESCRIPTION)
    assert description.manufacturer == "Sony Corporation"
    assert description.model_name == "ILCE-7M3"
    assert description.udn == f"uuid:{SONY_UUID}"
    assert description.services == (SONY_MTP_SERVICE,)


def test_canon_description():
    description = DeviceDescription.decode(CANON_70D_DESCRIPTION)
    assert (description.manufacturer, description.model_name) == ("Canon", "Canon EOS 70D")


def test_description_round_trip():
    description = DeviceDescription(
        friendly_name="A & B <camera>",
        manufacturer="Canon",
        model_name="EOS R6",
        udn="uuid:1",
        device_type="urn:schemas-upnp-org:device:Basic:1",
        serial_number="123",
        services=(CANON_EOS_SERVICE,),
    )
    assert DeviceDescription.decode(description.encode()) == description


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not xml",
        b"<root><nodevice/></root>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><root><device/></root>',
        b"<root>" * 5 + b"<device>",
        b"<root><device>" + b"x" * (1 << 16) + b"</device></root>",
    ],
)
def test_bad_descriptions(data: bytes):
    with pytest.raises(DecodeError):
        DeviceDescription.decode(data)


# -- malformed messages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        b"NOTIFY * HTTP/1.1\r\nNT: a\r\nUSN: b\r\n\r\n",  # no NTS
        b"NOTIFY * HTTP/1.1\r\nNT: a\r\nNTS: ssdp:maybe\r\nUSN: b\r\n\r\n",
        b"NOTIFY * HTTP/1.1\r\nNTS: ssdp:alive\r\nUSN: b\r\n\r\n",  # no NT
        b"NOTIFY * HTTP/1.1\r\nNT a\r\n\r\n",  # no colon
        b"NOTIFY * HTTP/1.1\r\nNT: a\r\n folded\r\n\r\n",
        b"NOTIFY * HTTP/1.1\r\n: empty name\r\n\r\n",
        b"M-SEARCH * HTTP/1.1\r\nST: ssdp:all\r\n\r\n",  # no MAN
        b'M-SEARCH * HTTP/1.1\r\nMAN: "ssdp:other"\r\nST: ssdp:all\r\n\r\n',
        b'M-SEARCH * HTTP/1.1\r\nMAN: "ssdp:discover"\r\n\r\n',  # no ST
        b'M-SEARCH * HTTP/1.1\r\nMAN: "ssdp:discover"\r\nST: a\r\nMX: soon\r\n\r\n',
        b"HTTP/1.1 404 Not Found\r\nST: a\r\nUSN: b\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nUSN: b\r\n\r\n",  # no ST
        b"HTTP/1.1\r\n\r\n",
        CANON_70D_ALIVE + b"X: " + b"y" * MAX_MESSAGE + b"\r\n",
    ],
)
def test_malformed_messages_raise_decode_error(data: bytes):
    with pytest.raises(DecodeError):
        decode_message(data)


def test_a_stray_non_utf8_byte_is_kept():
    message = Notify.decode(CANON_70D_ALIVE.replace(b"Camera OS", b"Camera\xff OS"))
    assert message.server is not None and message.server.startswith("Camera\xff")


def test_line_breaks_inside_values_are_refused():
    with pytest.raises(ValueError):
        SearchRequest("a\r\nMAN: x").encode()


@given(st.binary(max_size=600))
def test_garbage_only_raises_decode_error(data: bytes):
    try:
        decode_message(data)
    except DecodeError:
        pass


_LINES = st.sampled_from(
    [
        b"NOTIFY * HTTP/1.1",
        b"M-SEARCH * HTTP/1.1",
        b"HTTP/1.1 200 OK",
        b"NT: upnp:rootdevice",
        b"NTS: ssdp:alive",
        b"NTS: ssdp:byebye",
        b"USN: uuid:1::x",
        b"ST: ssdp:all",
        b'MAN: "ssdp:discover"',
        b"MX: 2",
        b"MX: -1",
        b"CACHE-CONTROL: max-age=",
        b"LOCATION: http://[::1",
        b": x",
        b" x",
        b"\xff\xfe",
        b"",
    ]
)


@given(st.lists(_LINES, max_size=10), st.sampled_from([b"\r\n", b"\n"]))
def test_plausible_garbage_only_raises_decode_error(lines: list[bytes], eol: bytes):
    try:
        message = decode_message(eol.join(lines) + eol + eol)
    except DecodeError:
        return
    assert isinstance(message, (Notify, SearchRequest, SearchResponse))


# -- round trips ------------------------------------------------------------------------------

_VALUE = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=40)
_NAME = st.from_regex(r"\AX-[A-Za-z0-9]{1,12}\Z")
_EXTRA = st.lists(st.tuples(_NAME, _VALUE), max_size=3).map(lambda items: Headers(tuple(items)))


@given(_VALUE, st.none() | st.integers(0, 120), _EXTRA)
def test_search_request_round_trip(target: str, mx: int | None, extra: Headers):
    request = SearchRequest(target, mx=mx, extra=extra)
    assert SearchRequest.decode(request.encode()) == request
    assert decode_message(request.encode()) == request


@given(
    _VALUE,
    st.sampled_from(["ssdp:alive", "ssdp:byebye"]),
    _VALUE,
    st.none() | _VALUE,
    st.none() | _VALUE,
    st.none() | st.integers(0, 10**9 - 1),
    _EXTRA,
)
def test_notify_round_trip(
    nt: str,
    nts: str,
    usn: str,
    location: str | None,
    server: str | None,
    max_age: int | None,
    extra: Headers,
):
    notify = Notify(nt, nts, usn, location, server, max_age, extra=extra)
    assert Notify.decode(notify.encode()) == notify


@given(
    _VALUE, _VALUE, st.none() | _VALUE, st.none() | _VALUE, st.none() | st.integers(0, 10**9 - 1)
)
def test_search_response_round_trip(
    target: str, usn: str, location: str | None, server: str | None, max_age: int | None
):
    response = SearchResponse(target, usn, location, server, max_age)
    assert SearchResponse.decode(response.encode()) == response


# -- records ---------------------------------------------------------------------------------------


def test_nikon_z9_txt():
    camera = from_dns_sd("Z 9._ptp._tcp.local.", ["192.168.8.102"], 15740, NIKON_Z9_TXT)
    assert camera == FoundCamera(
        name="Z 9",
        address="192.168.8.102",
        port=15740,
        via=DNS_SD,
        vendor="nikon",
        model=None,
        guid="0f0e0d0c-0b0a-0908-0706-050403020100",
        ident="Z 9._ptp._tcp.local.",
    )
    assert camera.to_json()["via"] == "dns-sd"
    assert camera.describe() == '192.168.8.102:15740 "Z 9" (nikon, dns-sd)'


def test_txt_vendor():
    assert txt_vendor({"grpn": "nx"}) == "nikon"
    assert txt_vendor({"apps": "NCWC"}) == "nikon"
    assert txt_vendor({"mfr": "ptpkit"}) == "ptpkit"
    assert txt_vendor({}) is None


def test_dns_sd_without_address_is_nothing():
    assert from_dns_sd("x._ptp._tcp.local.", [], 15740, {}) is None


def test_ssdp_record_from_the_canon_texts():
    message = Notify.decode(CANON_70D_ALIVE)
    kind = classify(message.nt, message.usn, message.server)
    assert kind is not None
    description = DeviceDescription.decode(CANON_70D_DESCRIPTION)
    camera = from_ssdp(CANON_70D_IP, message.usn, kind, description)
    assert (camera.vendor, camera.model, camera.port, camera.via) == (
        "canon",
        "Canon EOS 70D",
        15740,
        SSDP,
    )
    bare = from_ssdp(CANON_70D_IP, message.usn, kind, None, port_header="15741")
    assert (bare.name, bare.port, bare.model) == ("Canon camera", 15741, None)
    assert from_ssdp(CANON_70D_IP, message.usn, kind, None, port_header="99999").port == 15740
