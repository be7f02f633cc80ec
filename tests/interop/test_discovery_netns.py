"""Discovery across a veth pair between two network namespaces this test makes itself.

The issue's "Done when":

* avahi (``avahi-browse``, its daemon on a private D-Bus system bus) in one namespace sees
  the emulator's ``_ptp._tcp`` advertisement from the other, with the TXT keys, and its
  removal when the emulator stops (goodbye);
* ``gssdp-discover`` sees the emulator's SSDP advertisement (canon-eos, sony), and the
  ``ssdp:byebye`` when it stops;
* ``ptpkit discover --json`` finds an emulator of each persona family, and the cameras of
  a hand-written SSDP responder sending real Canon and Sony texts
  (tests/discovery_texts.py); ``ptpkit info`` without ``-H`` talks to the one camera, and
  with none or two it says so in one line.

The namespaces, their processes and their clean-up: tests/netns_harness.py.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import require_program
from discovery_texts import (
    CANON_70D_ALIVE,
    CANON_70D_DESCRIPTION,
    CANON_70D_IP,
    SONY_DESCRIPTION,
    SONY_NTS,
    sony_notify,
)
from netns_harness import (
    AVAHI_PROGRAMS,
    AVAHI_SCRIPT,
    CAM_IP,
    CAM_IP2,
    CANON_ST,
    HOST_IP,
    PERSONAS,
    SONY_ST,
    NetPair,
    discover_json,
    network_pair,
    start_emulator,
)

pytestmark = [pytest.mark.interop, pytest.mark.timeout(240)]

RESPONDER = Path(__file__).with_name("ssdp_responder.py")


@pytest.fixture(scope="module")
def netpair() -> Iterator[NetPair]:
    with network_pair(AVAHI_PROGRAMS) as pair:
        yield pair


@pytest.fixture
def net(netpair: NetPair) -> Iterator[NetPair]:
    try:
        yield netpair
    finally:
        netpair.stop_all()


@pytest.fixture(scope="module")
def card(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("card")
    (folder / "DSC_0001.JPG").write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 2000)
    return folder


def info_without_host(net: NetPair) -> subprocess.CompletedProcess[str]:
    return net.run(net.host, [sys.executable, "-m", "ptpkit", "info"], limit=60)


# -- DNS-SD: avahi sees the emulator ---------------------------------------------------------


@pytest.mark.parametrize("persona", ["generic", "nikon"])
def test_avahi_browse_sees_the_emulator(net: NetPair, card: Path, persona: str):
    spec = PERSONAS[persona]
    guid = uuid.uuid4().bytes
    emulator = start_emulator(net, card, spec, guid)
    avahi = net.start(net.host, ["unshare", "-m", "sh", "-c", AVAHI_SCRIPT], limit=90)
    avahi.wait_for(r"avahi: ready")
    resolved = avahi.wait_for(rf"^=;{net.host_if};IPv4;.*;{re.escape(CAM_IP)};{spec.port};")
    fields = resolved.split(";")
    assert fields[3] == rf"Test\032{persona}"  # avahi escapes the space
    assert fields[4] == "_ptp._tcp"
    txt = dict(item.strip('"').split("=", 1) for item in fields[9].split('" "'))
    assert txt["guid"] == str(uuid.UUID(bytes=guid))
    assert txt["ver"] == "1" and re.fullmatch(r"[0-9A-F]{8}", txt["seq"])
    if persona == "nikon":  # the keys of a Z 9 (dialects.md §7.2)
        assert {k: txt[k] for k in ("vid", "pid", "apps", "grpn")} == {
            "vid": "A",
            "pid": "450",
            "apps": "NCWC",
            "grpn": "NX",
        }
        assert fields[6].endswith("-010-099-000-001.local")
    else:
        assert (txt["mfr"], txt["mdl"]) == ("ptpkit", "Model generic")
    assert net.stop(emulator.process) == 0
    avahi.wait_for(rf"^-;{net.host_if};IPv4;Test\\032{persona};_ptp\._tcp;", timeout=10)


# -- SSDP: gssdp-discover sees the emulator ---------------------------------------------------


@pytest.mark.parametrize("persona", ["canon-eos", "sony"])
def test_gssdp_discover_sees_the_emulator(net: NetPair, card: Path, persona: str):
    gssdp = require_program("gssdp-discover")
    spec = PERSONAS[persona]
    target = CANON_ST if persona == "canon-eos" else SONY_ST
    prefix = "00000000-0000-0000-0001-" if persona == "canon-eos" else "00000000-0001-0010-8000-"
    guid = uuid.uuid4().bytes
    emulator = start_emulator(net, card, spec, guid)
    result = net.run(net.host, [gssdp, "-i", net.host_if, "-t", target, "-n", "4"], limit=20)
    usn = f"uuid:{prefix}{guid[-6:].hex().upper()}::{target}"
    assert "resource available" in result.stdout, result.stdout + result.stderr
    assert f"USN:      {usn}" in result.stdout
    location = re.search(r"Location: (http://\S+)", result.stdout)
    assert location and location.group(1).startswith(f"http://{CAM_IP}:")
    # and the byebye when it stops
    watch = net.start(net.host, [gssdp, "-i", net.host_if, "-t", target, "-m", "all", "-n", "10"])
    watch.wait_for(r"resource available")
    watch.wait_for(re.escape(usn))
    assert net.stop(emulator.process) == 0
    watch.wait_for(r"resource unavailable", timeout=10)
    assert watch.wait_for(r"USN:", timeout=5).endswith(usn)


# -- ptpkit discover, and info without -H --------------------------------------------------------


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_ptpkit_discover_and_info_find_each_family(net: NetPair, card: Path, persona: str):
    spec = PERSONAS[persona]
    guid = uuid.uuid4().bytes
    start_emulator(net, card, spec, guid)
    found = discover_json(net)
    assert len(found) == 1, found
    camera = found[0]
    assert (camera["address"], camera["port"], camera["via"], camera["vendor"]) == (
        CAM_IP,
        spec.port,
        spec.via,
        spec.vendor,
    )
    assert camera["name"] == f"Test {persona}"
    if spec.via == "dns-sd":
        assert camera["guid"] == str(uuid.UUID(bytes=guid))
    if persona != "nikon":  # a Z 9's TXT names no model
        assert camera["model"] == f"Model {persona}"

    info = info_without_host(net)
    assert info.returncode == 0, info.stderr
    assert f"ptpkit: using {CAM_IP}:{spec.port} " in info.stderr
    assert f"Test {persona}" in info.stdout
    assert f"Model {persona}" in info.stdout


def test_info_without_host_and_no_camera(net: NetPair):
    info = info_without_host(net)
    assert info.returncode == 2
    lines = info.stderr.strip().splitlines()
    assert len(lines) == 1 and "no camera found" in lines[0] and "-H" in lines[0]


# -- a hand-written responder speaking real camera texts ---------------------------------------


def as_response(notify: bytes) -> str:
    """The M-SEARCH answer a camera sends with its NOTIFY's lines (by hand: start line,
    EXT, NT → ST, no HOST or NTS)."""
    lines = notify.decode().split("\r\n")
    out = ["HTTP/1.1 200 OK", "EXT:"]
    for line in lines[1:]:
        name = line.partition(":")[0].strip().lower()
        if name in ("host", "nts") or not line:
            continue
        out.append("ST:" + line.partition(":")[2] if name == "nt" else line)
    return "\r\n".join(out) + "\r\n\r\n"


def start_responder(net: NetPair, tmp_path: Path, name: str, config: dict[str, object]) -> None:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"lifetime": 60, **config}), encoding="utf-8")
    responder = net.start(net.cam, [sys.executable, str(RESPONDER), str(path)], limit=70)
    responder.wait_for(r"ready")


def test_ptpkit_discover_finds_real_canon_and_sony_texts(net: NetPair, tmp_path: Path):
    canon_alive = CANON_70D_ALIVE.replace(CANON_70D_IP.encode(), CAM_IP.encode())
    router = (
        "NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nNT: upnp:rootdevice\r\n"
        "NTS: ssdp:alive\r\nUSN: uuid:router::upnp:rootdevice\r\n"
        "LOCATION: http://10.99.0.1:1/x.xml\r\n\r\n"
    )
    noise = [
        b"\x00\xff garbage".hex(),
        b"DISCOVER X-T2 HTTP/1.1\r\nDSCADDR: 10.99.0.1\r\n\r\n".hex(),
        b"NOTIFY * HTTP/1.1\r\nNT: x\r\n\r\n".hex(),
        router.encode().hex(),
    ]
    start_responder(
        net,
        tmp_path,
        "canon",
        {
            "ip": CAM_IP,
            "notify": [canon_alive.decode()],
            "responses": {CANON_ST: [as_response(canon_alive)]},
            "noise": noise,
            "http_port": 49152,
            "http_path": "/upnp/CameraDevDesc.xml",
            "description": CANON_70D_DESCRIPTION.decode(),
        },
    )
    sony = [sony_notify(nt, ip=CAM_IP2) for nt in SONY_NTS]
    start_responder(
        net,
        tmp_path,
        "sony",
        {
            "ip": CAM_IP2,
            "notify": [text.decode() for text in sony],
            "responses": {
                SONY_ST: [as_response(sony[3])],
                "upnp:rootdevice": [as_response(sony[1])],
            },
            "http_port": 64321,
            "http_path": "/DmsDesc.xml",
            "description": SONY_DESCRIPTION.decode(),
        },
    )  # fmt: skip
    found = sorted(discover_json(net), key=lambda c: str(c["address"]))
    assert found == [
        {
            "name": "Canon EOS 70D",
            "vendor": "canon",
            "model": "Canon EOS 70D",
            "address": CAM_IP,
            "port": 15740,
            "via": "ssdp",
            "guid": None,
        },
        {
            "name": "ILCE-7M3",
            "vendor": "sony",
            "model": "ILCE-7M3",
            "address": CAM_IP2,
            "port": 15740,
            "via": "ssdp",
            "guid": None,
        },
    ]
    info = info_without_host(net)  # two cameras: say so, and how to choose
    assert info.returncode == 2
    lines = info.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert "2 cameras found, choose one with -H" in lines[0]
    assert f"{CAM_IP}:15740" in lines[0] and f"{CAM_IP2}:15740" in lines[0]


SEARCH_FROM_HOST = """
import socket, sys
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("{host}", 0))
sock.settimeout(3)
sock.sendto(
    b"M-SEARCH * HTTP/1.1\\r\\nHOST: 239.255.255.250:1900\\r\\nMAN: \\"ssdp:discover\\"\\r\\n"
    b"MX: 1\\r\\nST: urn:microsoft-com:service:MtpNullService:1\\r\\n\\r\\n",
    ("239.255.255.250", 1900),
)
data, peer = sock.recvfrom(4096)
print(peer[0])
print(data.decode())
"""


def test_ssdp_answers_leave_from_the_advertised_address(net: NetPair, card: Path):
    """An emulator advertising on the camera's second address answers M-SEARCH from that
    address (its multicast socket is bound to 0.0.0.0; the answer would otherwise leave
    from the interface's first address, and a browser would put the camera there)."""
    start_emulator(net, card, PERSONAS["sony"], uuid.uuid4().bytes, host=CAM_IP2)
    code = SEARCH_FROM_HOST.format(host=HOST_IP)
    result = net.run(net.host, [sys.executable, "-c", code], limit=30)
    assert result.returncode == 0, result.stderr
    source, answer = result.stdout.split("\n", 1)
    assert source == CAM_IP2
    assert f"http://{CAM_IP2}:" in answer  # the LOCATION of its description
