"""``ptpkit config`` in words, against the emulator: what it shows, what it accepts (words,
raw numbers, gphoto2's names and "Choice: N", now), and refusals before anything is sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from clitools import address, emulator_for, invoke, make_card, one_line

import ptpkit.sync
from ptpkit.cli.base import EXIT_CAMERA, EXIT_USAGE
from ptpkit.cli.demo import EmulatorThread
from ptpkit.emulator import Faults
from ptpkit.errors import BadValueError
from ptpkit.proto.codes import OperationCode, ResponseCode


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[EmulatorThread]:
    with emulator_for([make_card(tmp_path / "card")]) as emu:
        yield emu


def value_of(emu: EmulatorThread, name: str) -> object:
    return json.loads(invoke("config", name, "--json", *address(emu)).stdout)["value"]


def test_the_listing_shows_words(emulator: EmulatorThread):
    result = invoke("config", *address(emulator))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Automatic" in out  # WhiteBalance, where gphoto2 shows a word too
    assert "f/4" in out and "1/125" in out and "87%" in out
    assert "Daylight" in out and "Single Shot" in out  # the allowed values, in words
    data = json.loads(invoke("config", "--json", *address(emulator)).stdout)
    white = next(p for p in data if p["name"] == "WhiteBalance")
    assert white["value"] == 2 and white["value_text"] == "Automatic"
    assert white["allowed"][:4] == [1, 2, 3, 4]
    assert white["allowed_text"][:4] == ["Manual", "Automatic", "One-push Automatic", "Daylight"]


def test_one_property_lists_its_allowed_values(emulator: EmulatorThread):
    result = invoke("config", "whitebalance", *address(emulator))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "WhiteBalance = Automatic"
    assert "  allowed: Manual, Automatic, One-push Automatic, Daylight, Fluorescent" in lines[2]
    battery = invoke("config", "batterylevel", *address(emulator)).stdout
    assert battery.startswith("BatteryLevel = 87%") and "allowed: 0%..100%" in battery


@pytest.mark.parametrize(
    ("name", "text", "raw", "shown"),
    [
        ("fnumber", "5.6", 560, "f/5.6"),
        ("FNumber", "f/8", 800, "f/8"),
        ("f-number", "11", 1100, "f/11"),  # gphoto2's name and habit
        ("aperture", "1600", 1600, "f/16"),  # the raw number
        ("exposuretime", "1/250", 40, "1/250"),
        ("shutterspeed", "0.004", 40, "1/250"),
        ("ExposureTime", "1s", 10000, "1s"),
        ("exposure_time", "Choice: 0", 3, "1/3333"),
        ("whitebalance", "Daylight", 4, "Daylight"),
        ("WhiteBalance", "tungsten", 6, "Tungsten"),
        ("0x5005", "Choice: 6", 7, "Flash"),
        ("focusmode", "Manual", 1, "Manual"),
        ("capturemode", "Burst", 2, "Burst"),
        ("iso", "800", 800, "800"),
        ("imagesize", "640 x 480", "640x480", "640x480"),
    ],
)
def test_values_are_set_in_words(
    emulator: EmulatorThread, name: str, text: str, raw: object, shown: str
):
    result = invoke("config", name, text, *address(emulator))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].endswith(f" = {shown}")
    assert value_of(emulator, name) == raw


def test_a_value_starting_with_a_minus_is_a_value(emulator: EmulatorThread):
    # the emulator has no ExposureBiasCompensation: the refusal comes from the camera,
    # but the value was read as a value, not as an option
    result = invoke("config", "exposurebiascompensation", "-0.7", *address(emulator))
    assert result.exit_code == EXIT_CAMERA
    assert "No such option" not in result.stderr


def test_datetime_now_and_words(emulator: EmulatorThread):
    fixed = invoke("config", "datetime", "2020-01-02 03:04:05", *address(emulator))
    assert fixed.exit_code == 0, fixed.output
    assert fixed.stdout.startswith("DateTime = 2020-01-02 03:04:0")
    now = invoke("config", "datetime", "now", *address(emulator))
    assert now.exit_code == 0, now.output
    shown = now.stdout.splitlines()[0].removeprefix("DateTime = ")
    assert abs((datetime.fromisoformat(shown) - datetime.now()).total_seconds()) < 60


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["fnumber", "3"], "'3' is not an allowed value of FNumber: allowed f/1.8, f/2.8"),
        (["fnumber", "fast"], "'fast' is not a value of FNumber: allowed f/1.8"),
        (["exposuretime", "3s"], "allowed 1/3333, 1/2000"),
        (["whitebalance", "Sunny"], "allowed Manual, Automatic, One-push Automatic, Daylight"),
        (["whitebalance", "Choice: 9"], "is past the 7 choices of WhiteBalance"),
        (["imagesize", "1x1"], "allowed 640x480, 1280x720"),
        (["datetime", "someday"], "'someday' is not a value of DateTime"),
        (["batterylevel", "50"], "BatteryLevel is read-only"),
    ],
)
def test_bad_values_are_refused_before_anything_is_sent(
    tmp_path: Path, args: list[str], expected: str
):
    """The camera would answer any SetDevicePropValue with GeneralError: a refusal that
    names the allowed values, with exit 2, can only come from ptpkit."""
    faults = Faults(fail={OperationCode.SetDevicePropValue: ResponseCode.GeneralError})
    with emulator_for([make_card(tmp_path / "card")], faults=faults) as emu:
        result = invoke("config", *args, *address(emu))
    assert result.exit_code == EXIT_USAGE, result.output
    line = one_line(result.stderr)
    assert line.startswith("ptpkit: error: ") and expected in line


def test_a_camera_refusal_is_still_a_camera_error(tmp_path: Path):
    faults = Faults(fail={OperationCode.SetDevicePropValue: ResponseCode.DeviceBusy})
    with emulator_for([make_card(tmp_path / "card")], faults=faults) as emu:
        result = invoke("config", "whitebalance", "daylight", *address(emu))
    assert result.exit_code == EXIT_CAMERA
    assert "DeviceBusy" in one_line(result.stderr)


def test_unknown_property_names(emulator: EmulatorThread):
    result = invoke("config", "nonsense", *address(emulator))
    assert result.exit_code == EXIT_USAGE  # a mistyped name is a usage error
    assert one_line(result.stderr).startswith("ptpkit: error: no device property named 'nonsense'")


def test_the_library_reads_the_same_words(emulator: EmulatorThread):
    with ptpkit.sync.connect(emulator.host, emulator.port) as camera:
        camera.set_property("whitebalance", "Daylight")
        assert camera.get_property("whitebalance") == 4
        camera.set_property("fnumber", "f/8")
        assert camera.get_property("fnumber") == 800
        camera.set_property("fnumber", 560)  # a raw value is sent as it is
        assert camera.get_property("fnumber") == 560
        with pytest.raises(BadValueError) as caught:
            camera.set_property("fnumber", "f/3")
        assert "allowed f/1.8" in str(caught.value)
        assert camera.get_property("fnumber") == 560
