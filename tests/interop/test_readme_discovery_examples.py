"""The README's usage examples that send multicast (``ptpkit discover``, ``ptpkit serve
--advertise``), run as written inside two network namespaces this test makes itself
(tests/netns_harness.py); tests/integration/test_readme_examples.py runs every other one
and leaves these to this test.

Each example is taken from the README (tests/readme_examples.py) with only its camera
address replaced, as the readme test replaces it (192.168.1.20 → the camera namespace's
10.99.0.1), and run by ``bash`` through ``ip netns exec``:

* ``ptpkit discover ...`` in the host namespace, while two advertising emulators run at
  10.99.0.1 in the camera namespace (DNS-SD on port 15740, SSDP as a Sony body on 15750):
  it prints each once, as a line for people or as JSON Lines with the keys the README
  names;
* ``ptpkit serve ... --advertise ...`` in the camera namespace, in a folder holding
  ``./card``: it says what it advertises; from the host namespace ``ptpkit discover`` finds
  it and avahi-browse (DNS-SD) or gssdp-discover (SSDP) sees it; on Ctrl-C it exits 0 and
  they see it withdrawn.
"""

from __future__ import annotations

import json
import re
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import require_program
from netns_harness import (
    AVAHI_PROGRAMS,
    AVAHI_SCRIPT,
    CAM_IP,
    PERSONAS,
    SONY_ST,
    Lines,
    NetPair,
    discover_json,
    network_pair,
    start_emulator,
)
from readme_examples import NOT_RUN, examples, sends_multicast, with_address

pytestmark = [pytest.mark.interop, pytest.mark.timeout(240)]

#: The README's multicast examples, in its order (those marked ``[not run]`` aside).
MULTICAST = [e for kind, e in examples() if sends_multicast(e) and NOT_RUN not in e]
DISCOVER = [e for e in MULTICAST if e.startswith("ptpkit discover")]
SERVE = [e for e in MULTICAST if e.startswith("ptpkit serve") and "--advertise" in e]


def example_id(example: str) -> str:
    return example.split("#", maxsplit=1)[0].strip()


def shell(example: str) -> list[str]:
    """The example, its camera address the camera namespace's, as a shell runs it."""
    return ["bash", "-euo", "pipefail", "-c", with_address(example, CAM_IP)]


def comment(example: str) -> str:
    return example.partition("#")[2]


def test_this_test_runs_every_multicast_example_of_the_readme():
    every = [e for _, e in examples() if sends_multicast(e)]
    assert every == MULTICAST, "a multicast example is marked [not run]"
    assert sorted(DISCOVER + SERVE) == sorted(MULTICAST), "an example this test cannot run"
    assert len(DISCOVER) >= 3 and len(SERVE) >= 2, MULTICAST


@pytest.fixture(scope="module")
def netpair() -> Iterator[NetPair]:
    with network_pair() as pair:
        yield pair


@pytest.fixture
def net(netpair: NetPair) -> Iterator[NetPair]:
    try:
        yield netpair
    finally:
        netpair.stop_all()


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """The folder the examples run in, with the ``./card`` they serve."""
    (tmp_path / "card" / "DCIM" / "100NIKON").mkdir(parents=True)
    jpeg = b"\xff\xd8\xff\xe0" + b"\0" * 2000 + b"\xff\xd9"
    (tmp_path / "card" / "DCIM" / "100NIKON" / "DSC_0001.JPG").write_bytes(jpeg)
    return tmp_path


# -- ptpkit discover ---------------------------------------------------------------------------


@pytest.mark.parametrize("example", DISCOVER, ids=example_id)
def test_discover_example_finds_each_advertised_camera_once(net: NetPair, work: Path, example):
    generic, sony = PERSONAS["generic"], PERSONAS["sony"]
    guid = uuid.uuid4()
    start_emulator(net, work / "card", generic, guid.bytes, host=CAM_IP)
    start_emulator(net, work / "card", sony, uuid.uuid4().bytes, host=CAM_IP)
    result = net.run(net.host, shell(example), limit=60, cwd=work)
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert result.stderr == ""
    lines = sorted(result.stdout.splitlines())
    if "--json" not in example:
        assert lines == [
            f'{CAM_IP}:15740 "Test generic" (ptpkit, Model generic, dns-sd) guid={guid}',
            f'{CAM_IP}:15750 "Test sony" (sony, Model sony, ssdp)',
        ]
        return
    found = [json.loads(line) for line in lines]
    keys = ["name", "vendor", "model", "address", "port", "via", "guid"]
    if "JSON Lines:" in comment(example):  # the keys the README names, in its order
        keys = [k.strip() for k in comment(example).split("JSON Lines:")[1].split(",")]
    assert all(list(camera) == keys for camera in found), found
    assert found == [
        {
            "name": "Test generic",
            "vendor": "ptpkit",
            "model": "Model generic",
            "address": CAM_IP,
            "port": 15740,
            "via": "dns-sd",
            "guid": str(guid),
        },
        {
            "name": "Test sony",
            "vendor": "sony",
            "model": "Model sony",
            "address": CAM_IP,
            "port": 15750,
            "via": "ssdp",
            "guid": None,
        },
    ]


# -- ptpkit serve --advertise ------------------------------------------------------------------


def watch_dns_sd(net: NetPair) -> Lines:
    for program in AVAHI_PROGRAMS:
        require_program(program)
    avahi = net.start(net.host, ["unshare", "-m", "sh", "-c", AVAHI_SCRIPT], limit=120)
    avahi.wait_for(r"avahi: ready")
    return avahi


def watch_ssdp(net: NetPair) -> Lines:
    gssdp = require_program("gssdp-discover")
    argv = [gssdp, "-i", net.host_if, "-t", SONY_ST, "-m", "all", "-n", "60"]
    return net.start(net.host, argv, limit=90)


@pytest.mark.parametrize("example", SERVE, ids=example_id)
def test_serve_example_advertises_and_withdraws_on_ctrl_c(net: NetPair, work: Path, example):
    via = "ssdp" if "SSDP" in comment(example) else "dns-sd"
    assert via == "ssdp" or "DNS-SD" in comment(example), "the README says how it advertises"
    persona = re.search(r"--persona (\S+)", example)
    spec = PERSONAS[persona.group(1) if persona else "generic"]
    assert spec.via == via, (example, spec)
    watcher = watch_dns_sd(net) if via == "dns-sd" else watch_ssdp(net)

    serve = net.start(net.cam, shell(example), limit=120, cwd=work)
    listening = serve.wait_for(r"listening on ", timeout=30)
    port = int(re.search(rf"listening on {re.escape(CAM_IP)}:(\d+)", listening).group(1))
    advertising = serve.wait_for(r"^  advertising: ", timeout=30)
    assert advertising.startswith(f"  advertising: {via} ") and advertising.endswith(CAM_IP)
    assert serve.wait_for(rf"storage 0x[0-9A-F]{{8}} \(read-only\): {re.escape(str(work))}/card")

    found = discover_json(net)
    assert [(c["address"], c["port"], c["via"], c["vendor"]) for c in found] == [
        (CAM_IP, port, via, spec.vendor)
    ], found
    if via == "dns-sd":  # guid, seq, ver: the keys a Nikon Z body's TXT has
        resolved = watcher.wait_for(rf"^=;{net.host_if};IPv4;.*;{re.escape(CAM_IP)};{port};")
        fields = resolved.split(";")
        txt = dict(item.strip('"').split("=", 1) for item in fields[9].split('" "'))
        assert txt["guid"] == found[0]["guid"] and txt["ver"] == "1"
        assert re.fullmatch(r"[0-9A-F]{8}", txt["seq"]), txt
        name = fields[3]
    else:
        watcher.wait_for(r"resource available")
        location = watcher.wait_for(r"Location: http://")
        assert f"http://{CAM_IP}:" in location

    assert net.stop(serve.process, signal.SIGINT) == 0  # Ctrl-C
    rest = serve.rest()
    assert not [line for line in rest if "rror" in line or "Traceback" in line], rest
    if via == "dns-sd":  # the goodbye
        watcher.wait_for(rf"^-;{net.host_if};IPv4;{re.escape(name)};_ptp\._tcp;", timeout=10)
    else:  # ssdp:byebye
        watcher.wait_for(r"resource unavailable", timeout=10)
    assert discover_json(net) == []
