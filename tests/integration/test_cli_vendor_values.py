"""``ptpkit config NAME VALUE`` against every persona (issue 18): a value the camera does not
allow is refused before anything is sent, in one style for every dialect (``'TEXT' is not
... of NAME: allowed A, B, C``), the property named as ``ptpkit config`` lists it and the
allowed values in the words it shows them in, with exit 2; a mistyped property name is a
usage error too. Also ``mkdir`` on a read-only camera and ``ls`` on one without storage."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from click.testing import Result
from clitools import address, invoke, make_card, one_line

from ptpkit.cli.base import EXIT_USAGE
from ptpkit.cli.demo import EmulatorThread

Start = Callable[[str], EmulatorThread]


@pytest.fixture(scope="module")
def persona(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Start]:
    """One read-only emulator per persona, started on first use."""
    started: dict[str, EmulatorThread] = {}
    with ExitStack() as stack:

        def start(name: str) -> EmulatorThread:
            if name not in started:
                card = make_card(tmp_path_factory.mktemp(name) / "card")
                emu = EmulatorThread([card], persona=name, rescan_interval=None)
                started[name] = stack.enter_context(emu)
            return started[name]

        yield start


def config(emu: EmulatorThread, *args: str) -> Result:
    return invoke("config", *address(emu), *args)


def refusal(emu: EmulatorThread, *args: str) -> str:
    result = config(emu, *args)
    assert result.exit_code == EXIT_USAGE, result.output
    line = one_line(result.stderr)
    assert line.startswith("ptpkit: error: "), line
    return line


def allowed_shown(emu: EmulatorThread, name: str) -> tuple[str, str]:
    """The property's name and allowed values as ``config NAME`` shows them."""
    result = config(emu, name)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    label = lines[0].split(" = ")[0]
    allowed = next(line for line in lines if line.startswith("  allowed: "))
    return label, allowed.removeprefix("  allowed: ")


CASES = [
    ("nikon", "colorspace", "bogus"),
    ("nikon", "iso", "bogus"),
    ("sony", "iso", "bogus"),
    ("sony", "iso", "123"),
    ("sony", "whitebalance", "bogus"),
    ("sony", "shutterspeed", "bogus"),
    ("sony", "fnumber", "3.3"),
    ("sony", "aperture", "99"),
    ("canon-eos", "iso", "bogus"),
    ("canon-eos", "iso", "123"),
    ("canon-eos", "aperture", "99"),
    ("canon-eos", "whitebalance", "nonsense"),
    ("fujifilm", "iso", "bogus"),
    ("fujifilm", "aperture", "99"),
    ("fujifilm", "whitebalance", "nonsense"),
    ("generic", "iso", "bogus"),
    ("generic", "aperture", "99"),
    ("generic", "whitebalance", "nonsense"),
]


@pytest.mark.parametrize(("name", "prop", "value"), CASES)
def test_a_refusal_lists_the_allowed_values_as_config_shows_them(
    persona: Start, name: str, prop: str, value: str
) -> None:
    emu = persona(name)
    label, allowed = allowed_shown(emu, prop)
    line = refusal(emu, prop, value)
    named = f" of {label}: allowed "  # the name config lists it by
    assert named in line, line
    shown = line.split(named, 1)[1]  # the words config shows (a long line cut in its middle)
    head, cut, tail = shown.partition("…")
    assert (allowed.startswith(head) and allowed.endswith(tail)) if cut else shown == allowed
    assert "0x" not in line and "valid UINT" not in line


def test_nikon_colorspace_words(persona: Start) -> None:
    line = refusal(persona("nikon"), "colorspace", "bogus")
    assert line == "ptpkit: error: 'bogus' is not a value of ColorSpace: allowed sRGB, AdobeRGB"


def test_sony_names_the_property(persona: Start) -> None:
    line = refusal(persona("sony"), "fnumber", "3.3")
    assert line.startswith("ptpkit: error: 'f/3.3' is not an allowed value of FNumber: allowed ")
    assert line.endswith(
        ": allowed f/2.8, f/3.2, f/3.5, f/4, f/4.5, f/5, f/5.6, f/6.3, f/7.1, f/8, "
        "f/9, f/10, f/11, f/13, f/14, f/16, f/18, f/20, f/22"
    )
    line = refusal(persona("sony"), "iso", "bogus")
    assert line.startswith("ptpkit: error: 'bogus' is not a value of ISO: allowed AUTO, 50, 64")


@pytest.mark.parametrize(
    ("name", "prop", "value", "shown"),
    [
        ("nikon", "colorspace", "AdobeRGB", "ColorSpace = AdobeRGB"),
        ("sony", "iso", "400", "ISO = 400"),
        ("canon-eos", "aperture", "5.6", "Aperture = f/5.6"),
        ("fujifilm", "whitebalance", "Daylight", "WhiteBalance = Daylight"),
    ],
)
def test_allowed_words_are_still_taken(
    tmp_path: Path, name: str, prop: str, value: str, shown: str
) -> None:
    with EmulatorThread([make_card(tmp_path / "card")], persona=name, rescan_interval=None) as emu:
        result = config(emu, prop, value)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(shown)


@pytest.mark.parametrize("name", ["generic", "nikon", "sony"])
def test_a_mistyped_property_name_is_a_usage_error(persona: Start, name: str) -> None:
    line = refusal(persona(name), "isso", "100")
    assert line.startswith("ptpkit: error: no device property named 'isso' (did you mean ")
    assert "iso" in line.split("did you mean", 1)[1].lower()


def test_mkdir_on_a_read_only_camera_says_creating_folders(persona: Start) -> None:
    result = invoke("mkdir", *address(persona("generic")), "DCIM/NEW")
    assert result.exit_code != 0
    assert one_line(result.stderr) == (
        "ptpkit: error: this camera does not support creating folders (SendObjectInfo)"
    )


def test_ls_of_a_camera_without_storage_says_so() -> None:
    with EmulatorThread([], persona="generic", rescan_interval=None) as emu:
        result = invoke("ls", *address(emu))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert one_line(result.stderr) == (
        "ptpkit: the camera offers no storage (no card in it?): nothing to list"
    )


def test_ls_of_a_sony_in_remote_mode_gives_its_hint() -> None:
    with EmulatorThread([], persona="sony", rescan_interval=None) as emu:
        result = invoke("ls", *address(emu))
    assert "the camera offers no storage: a Sony body in remote mode" in result.stderr
