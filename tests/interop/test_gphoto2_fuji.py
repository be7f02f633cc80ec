"""Debian's gphoto2 drives ``ptpkit serve --persona fujifilm`` (issue 16, "Done when").

gphoto2 takes its Fujifilm transport for the model "Fuji X (WLAN)" (dialects.md §5):
``--camera "Fuji X (WLAN)" --port ptpip:127.0.0.1:PORT:EVENTPORT``, where the third field
is the event port (it does not follow a custom command port; the live-view port is the
event port + 1, as the persona's is). Each command must succeed, be correct and take
well under gphoto2's 2.5 s I/O timeout (asserted with a wide margin, and printed).

Two personas: one serves a card with files (summary, listing, downloads, config); the
capture runs against a second one with an empty card, because gphoto2 2.5.30's event
wait after a Fujifilm capture takes every object it has not looked at in the run for a
new one, and ``--capture-image-and-download`` would download and then delete them all
(see the persona's documentation). tcpdump records the first persona's traffic: the
double Init Command Request is checked on the wire, and ``ptpkit dissect`` decodes the
whole capture as Fujifilm sessions.

Before it connects the event socket, gphoto2 reads it for events and prints "read
fujiptpip generic: Transport endpoint is not connected" (its own, harmless).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from conftest import require_program
from gphoto2_harness import (
    FUJI_ADDRESS,
    STORE,
    Rig,
    check_get_all_files,
    check_list_files,
    dissect_json,
    jpeg,
    noise_jpeg,
    serve_command,
    serve_rig,
    write_card,
)
from PIL import Image

pytestmark = [pytest.mark.interop, pytest.mark.timeout(180)]

CAMERA = "Fuji X (WLAN)"
#: gphoto2's I/O timeout is 2.5 s; every command must stay well below it.
LIMIT = 2.5
_HARMLESS = "read fujiptpip generic: Transport endpoint is not connected"


def make_card(root: Path) -> dict[str, Path]:
    paths = write_card(
        root,
        {
            "DCIM/100_FUJI/DSCF0001.JPG": jpeg((200, 30, 30)),
            "DCIM/100_FUJI/DSCF0002.JPG": noise_jpeg(1200, 900, 2),  # above 1 MiB: partial reads
            "DCIM/101_FUJI/DSCF0103.JPG": jpeg((30, 30, 200)),
        },
    )
    assert (root / "DCIM/100_FUJI/DSCF0002.JPG").stat().st_size > 1 << 20
    return paths


def fuji_rig(base: Path, files_on_card: bool, capture: bool) -> AbstractContextManager[Rig]:
    """``ptpkit serve --persona fujifilm`` and gphoto2's "Fuji X (WLAN)" driving it;
    tcpdump on its three ports (command, event, live view) if ``capture``."""
    card = base / "card"
    card.mkdir()
    files = make_card(card) if files_on_card else {}
    command = serve_command(card, "--persona", "fujifilm", "--writable", "--rescan-interval", "0")
    return serve_rig(
        base, command, card=card, files=files, title="the fujifilm persona",
        address=FUJI_ADDRESS, capture=(lambda port: f"tcp portrange {port}-{port + 2}") if capture
        else None, limit=LIMIT, camera=CAMERA, harmless=_HARMLESS,
    )  # fmt: skip


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    require_program("gphoto2")
    with fuji_rig(tmp_path_factory.mktemp("fuji"), files_on_card=True, capture=True) as rig:
        yield rig


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    require_program("gphoto2")
    with fuji_rig(tmp_path_factory.mktemp("fuji-fresh"), files_on_card=False, capture=False) as rig:
        yield rig


# -- the Done-when commands ------------------------------------------------------------------
def test_summary(rig: Rig) -> None:
    out = rig.gphoto2("--summary")
    assert "Manufacturer: FUJIFILM" in out
    assert "Model: X-T3" in out
    assert "store_00010001" in out
    # the property list is the persona's 0x902B answer
    assert "Film Simulation(0xd001)" in out and "PriorityMode(0xd207)" in out


def test_list_files(rig: Rig) -> None:
    check_list_files(rig)


def test_get_all_files(rig: Rig, tmp_path: Path) -> None:
    check_get_all_files(rig, tmp_path)


def test_get_and_set_config(rig: Rig) -> None:
    out = rig.gphoto2("--get-config", "filmsimulation")
    assert "Label: Film Simulation" in out
    assert "Current: PROVIA/Standard" in out
    assert "Classic Chrome" in out
    rig.gphoto2("--set-config", "filmsimulation=Classic Chrome")
    assert "Current: Classic Chrome" in rig.gphoto2("--get-config", "filmsimulation")


def test_capture_image_and_download(fresh: Rig, tmp_path: Path) -> None:
    for _ in range(2):
        out = fresh.gphoto2("--capture-image-and-download", "--force-overwrite", cwd=tmp_path)
        found = re.search(r"New file is in location (\S+) on the camera", out)
        assert found, out
        location = found.group(1)
        assert location.startswith(f"{STORE}/DCIM/100_FUJI/DSCF")
        name = location.rsplit("/", 1)[1]
        assert f"Saving file as {name}" in out
        assert f"Deleting file {location}" in out
        with Image.open(tmp_path / name) as image:
            assert image.format == "JPEG"
        assert not (fresh.card / location.removeprefix(f"{STORE}/")).exists()


# -- the wire ----------------------------------------------------------------------------------
def test_the_double_init_on_the_wire_and_dissect(rig: Rig) -> None:
    """Every gphoto2 run sent its 82-byte Init Command Request twice on one connection,
    the second after the first Ack; ``ptpkit dissect`` decodes all of it, and tshark finds
    nothing wrong with the TCP under it."""
    if not rig.times:
        rig.gphoto2("--summary")
    stats = rig.stop_capture()
    assert re.search(r"^0 packets dropped by kernel", stats, re.MULTILINE), stats
    records = dissect_json(rig.pcap, rig.port)
    assert records and not [r for r in records if r.get("error")]
    by_stream: dict[int, list[str]] = {}
    for record in records:
        by_stream.setdefault(record["stream"], []).append(record.get("type_name", ""))
    handshakes = [
        names[:4] for names in by_stream.values() if names and names[0] == "InitCommandRequest"
    ]
    assert handshakes, by_stream
    for names in handshakes:
        assert names == [
            "InitCommandRequest",
            "InitCommandAck",
            "InitCommandRequest",
            "InitCommandAck",
        ]
    # tshark has no dissector for the variant: the TCP it carries is all it can judge.
    tshark = require_program("tshark")
    malformed = subprocess.run(
        [
            tshark,
            "-r",
            str(rig.pcap),
            "-n",
            "-Y",
            "_ws.malformed || _ws.expert.severity >= error",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert malformed.stdout.strip() == "", malformed.stdout
