"""Property values in words, both ways (ptpkit.proto.propvalues).

The names and units are typed in from ISO 15740 §13.5 (and the units column of
shared/reference/ptpip-reference.md §2.6), not taken from the module under test."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ptpkit.errors import BadValueError
from ptpkit.proto.codes import DataType, DevicePropCode
from ptpkit.proto.datasets import DevicePropDesc, PropEnum, PropRange, PtpValue
from ptpkit.proto.propvalues import (
    STANDARD_FORMS,
    Choices,
    Named,
    allowed_in_words,
    describe_choices,
    form_for,
    parse_value,
    register_forms,
    show_value,
)

P = DevicePropCode
NOW = datetime(2025, 3, 4, 5, 6, 7, 890)


def desc(
    code: int,
    data_type: DataType,
    current: PtpValue,
    form: PropEnum | PropRange | None = None,
) -> DevicePropDesc:
    return DevicePropDesc(
        device_prop_code=code,
        data_type=data_type,
        get_set=1,
        factory_default_value=current,
        current_value=current,
        form=form,
    )


# Real-camera style enumerations (thirds of a stop).
F_NUMBERS = (180, 200, 220, 250, 280, 320, 350, 400, 450, 500, 560, 630, 710, 800, 900, 1000)
F_NUMBERS += (1100, 1300, 1400, 1600, 1800, 2000, 2200)
EXPOSURE_TIMES = (2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 31, 40, 50, 62, 80, 100, 125, 166)
EXPOSURE_TIMES += (200, 250, 333, 400, 500, 666, 769, 1000, 1250, 1666, 2000, 2500, 3333)
EXPOSURE_TIMES += (4000, 5000, 6250, 7692, 10000, 13000, 16000, 20000, 25000, 300000)
BIASES = (-3000, -2667, -2333, -2000, -1667, -1333, -1000, -667, -333, 0)
BIASES += (333, 667, 1000, 1333, 1667, 2000, 2333, 2667, 3000)

FNUMBER = desc(P.FNumber, DataType.UINT16, 560, PropEnum(F_NUMBERS))
EXPOSURE = desc(P.ExposureTime, DataType.UINT32, 40, PropEnum(EXPOSURE_TIMES))
BIAS = desc(P.ExposureBiasCompensation, DataType.INT16, 0, PropEnum(BIASES))
WHITE = desc(P.WhiteBalance, DataType.UINT16, 2, PropEnum((1, 2, 3, 4, 5, 6, 7)))
CLOCK = desc(P.DateTime, DataType.STR, "20250101T000000")
SIZE = desc(P.ImageSize, DataType.STR, "640x480", PropEnum(("640x480", "1920x1080")))
BATTERY = desc(P.BatteryLevel, DataType.UINT8, 80, PropRange(0, 100, 1))


# -- the standard tables, against ISO 15740 --------------------------------------------------
@pytest.mark.parametrize(
    ("code", "value", "words"),
    [
        (P.WhiteBalance, 1, "Manual"),
        (P.WhiteBalance, 2, "Automatic"),
        (P.WhiteBalance, 3, "One-push Automatic"),
        (P.WhiteBalance, 4, "Daylight"),
        (P.WhiteBalance, 5, "Fluorescent"),
        (P.WhiteBalance, 6, "Tungsten"),
        (P.WhiteBalance, 7, "Flash"),
        (P.FocusMode, 1, "Manual"),
        (P.FocusMode, 2, "Automatic"),
        (P.FocusMode, 3, "Automatic Macro"),
        (P.ExposureMeteringMode, 1, "Average"),
        (P.ExposureMeteringMode, 2, "Center-weighted Average"),
        (P.ExposureMeteringMode, 3, "Multi-spot"),
        (P.ExposureMeteringMode, 4, "Center-spot"),
        (P.FlashMode, 1, "Automatic Flash"),
        (P.FlashMode, 2, "Flash Off"),
        (P.FlashMode, 3, "Fill Flash"),
        (P.FlashMode, 4, "Red-eye Automatic"),
        (P.FlashMode, 5, "Red-eye Fill"),
        (P.FlashMode, 6, "External Sync"),
        (P.ExposureProgramMode, 1, "Manual"),
        (P.ExposureProgramMode, 2, "Automatic"),
        (P.ExposureProgramMode, 3, "Aperture Priority"),
        (P.ExposureProgramMode, 4, "Shutter Priority"),
        (P.ExposureProgramMode, 5, "Program Creative"),
        (P.ExposureProgramMode, 6, "Program Action"),
        (P.ExposureProgramMode, 7, "Portrait"),
        (P.StillCaptureMode, 1, "Single Shot"),
        (P.StillCaptureMode, 2, "Burst"),
        (P.StillCaptureMode, 3, "Timelapse"),
        (P.EffectMode, 1, "Standard"),
        (P.EffectMode, 2, "Black & White"),
        (P.EffectMode, 3, "Sepia"),
        (P.FocusMeteringMode, 1, "Center-spot"),
        (P.FocusMeteringMode, 2, "Multi-spot"),
        (P.FunctionalMode, 0, "Standard"),
        (P.FunctionalMode, 1, "Sleep"),
        (P.BatteryLevel, 87, "87%"),
        (P.FNumber, 560, "f/5.6"),
        (P.FNumber, 1100, "f/11"),
        (P.FNumber, 180, "f/1.8"),
        (P.FNumber, 350, "f/3.5"),
        (P.FocalLength, 5000, "50 mm"),
        (P.FocalLength, 2450, "24.5 mm"),
        (P.FocusDistance, 0xFFFF, "infinity"),
        (P.FocusDistance, 1500, "1500 mm"),
        (P.ExposureTime, 40, "1/250"),
        (P.ExposureTime, 3, "1/3333"),
        (P.ExposureTime, 5000, "1/2"),
        (P.ExposureTime, 6000, "0.6s"),
        (P.ExposureTime, 10000, "1s"),
        (P.ExposureTime, 20000, "2s"),
        (P.ExposureTime, 13000, "1.3s"),
        (P.ExposureBiasCompensation, 667, "+0.7"),
        (P.ExposureBiasCompensation, -1333, "-1.3"),
        (P.ExposureBiasCompensation, 0, "0"),
        (P.ExposureBiasCompensation, 2000, "+2"),
        (P.ExposureIndex, 400, "400"),
        (P.DateTime, "20240501T120000", "2024-05-01 12:00:00"),
        (P.DateTime, "20240501T120000+0200", "2024-05-01 12:00:00 +02:00"),
        (P.CaptureDelay, 2000, "2000 ms"),
        (P.DigitalZoom, 15, "1.5x"),
        (P.ImageSize, "1920x1080", "1920x1080"),
    ],
)
def test_standard_values_in_words(code: int, value: PtpValue, words: str) -> None:
    assert show_value(code, value) == words


def test_values_without_words_show_raw() -> None:
    assert show_value(P.WhiteBalance, 0x8002) == str(0x8002)  # a vendor's white balance
    assert show_value(P.CompressionSetting, 3) == "3"
    assert show_value(0xD101, 5) == "5"  # a vendor property, no vendor told
    assert show_value(P.Artist, "Ann") == "Ann"
    assert show_value(0x5020, (1, 2)) == "[1, 2]"


# -- reading words -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("prop", "text", "value"),
    [
        (FNUMBER, "5.6", 560),
        (FNUMBER, "f/5.6", 560),
        (FNUMBER, "F5.6", 560),
        (FNUMBER, "f/8", 800),
        (FNUMBER, "8", 800),  # gphoto2 shows f/8 as "8"
        (FNUMBER, "560", 560),  # the raw number
        (FNUMBER, "0x230", 560),
        (FNUMBER, "Choice: 0", 180),
        (FNUMBER, "choice 10", 560),
        (EXPOSURE, "1/250", 40),
        (EXPOSURE, "0.004", 40),
        (EXPOSURE, "40", 40),  # 40 s is not allowed: the raw number is
        (EXPOSURE, "1/4000", 2),
        (EXPOSURE, "1/3000", 3),
        (EXPOSURE, "2s", 20000),
        (EXPOSURE, "2", 20000),  # seconds, as gphoto2 shows them
        (EXPOSURE, '1.3"', 13000),
        (EXPOSURE, "30s", 300000),
        (EXPOSURE, "1/13", 769),
        (BIAS, "+0.7", 667),
        (BIAS, "-1/3", -333),
        (BIAS, "+2/3", 667),
        (BIAS, "-1 1/3", -1333),
        (BIAS, "0", 0),
        (BIAS, "+1 EV", 1000),
        (BIAS, "-1.0", -1000),
        (WHITE, "Daylight", 4),
        (WHITE, "daylight", 4),
        (WHITE, "one push automatic", 3),
        (WHITE, "AWB", 2),
        (WHITE, "4", 4),
        (WHITE, "Choice: 3", 4),
        (WHITE, "Choice: 3 Daylight", 4),
        (CLOCK, "now", "20250304T050607"),
        (CLOCK, "2024-05-01 12:00", "20240501T120000"),
        (CLOCK, "2024-05-01T12:00:00+02:00", "20240501T120000+0200"),
        (CLOCK, "2024-05-01T12:00:00Z", "20240501T120000Z"),
        (CLOCK, "20240501T120000", "20240501T120000"),
        (SIZE, "1920 X 1080", "1920x1080"),
        (SIZE, "640*480", "640x480"),
        (SIZE, "Choice: 1", "1920x1080"),
        (BATTERY, "50", 50),
        (BATTERY, "50%", 50),
    ],
)
def test_words_are_read(prop: DevicePropDesc, text: str, value: PtpValue) -> None:
    assert parse_value(prop, text, now=NOW) == value


@pytest.mark.parametrize(
    ("prop", "text", "why"),
    [
        (FNUMBER, "f/3", "is not an allowed value of FNumber"),
        (FNUMBER, "fast", "is not a value of FNumber"),
        (EXPOSURE, "3s", "is not an allowed value of ExposureTime"),
        (BIAS, "700", "is not an allowed value of"),  # 700 stops, or raw 700: neither
        (WHITE, "9", "is not an allowed value of WhiteBalance"),
        (WHITE, "Sunny", "is not a value of WhiteBalance"),
        (WHITE, "Choice: 7", "is past the 7 choices of WhiteBalance"),
        (CLOCK, "yesterday-ish", "is not a value of DateTime"),
        (SIZE, "1x1", "is not an allowed value of ImageSize"),
        (BATTERY, "101", "is not an allowed value of BatteryLevel"),
    ],
)
def test_refusals_list_the_allowed_values(prop: DevicePropDesc, text: str, why: str) -> None:
    with pytest.raises(BadValueError) as caught:
        parse_value(prop, text, now=NOW)
    message = str(caught.value)
    assert why in message
    assert caught.value.allowed == tuple(allowed_in_words(prop))
    if caught.value.allowed:
        assert message.endswith("allowed " + ", ".join(caught.value.allowed))


def test_allowed_values_in_words() -> None:
    assert allowed_in_words(WHITE)[:4] == ["Manual", "Automatic", "One-push Automatic", "Daylight"]
    assert allowed_in_words(FNUMBER)[:3] == ["f/1.8", "f/2", "f/2.2"]
    assert allowed_in_words(BATTERY) == ["0%..100%"]
    stepped = desc(P.FocalLength, DataType.UINT32, 2400, PropRange(2400, 7000, 100))
    assert allowed_in_words(stepped) == ["24 mm..70 mm in steps of 100"]
    assert allowed_in_words(CLOCK) == []
    assert describe_choices(WHITE)[3] == "Choice: 3 Daylight"


def test_now_needs_a_clock() -> None:
    with pytest.raises(BadValueError):
        parse_value(CLOCK, "now")  # no clock passed in: the core reads none


def test_a_value_without_a_form_is_checked_against_its_type() -> None:
    free = desc(P.CaptureDelay, DataType.UINT32, 0)
    assert parse_value(free, "2s") == 2000
    assert parse_value(free, "500 ms") == 500
    assert parse_value(free, "750") == 750
    with pytest.raises(BadValueError):
        parse_value(free, "-1")
    small = desc(0xD200, DataType.UINT8, 0)
    assert parse_value(small, "255") == 255
    with pytest.raises(BadValueError):
        parse_value(small, "256")
    text = desc(P.Artist, DataType.STR, "")
    assert parse_value(text, "Ann Smith") == "Ann Smith"


def test_arrays_are_comma_lists() -> None:
    array = desc(0x5020, DataType.AUINT16, (1,))
    assert parse_value(array, "1, 2,3") == (1, 2, 3)
    assert parse_value(array, "[4 5]") == (4, 5)
    with pytest.raises(BadValueError):
        parse_value(array, "1,70000")


# -- every allowed value survives words and back --------------------------------------------------
@pytest.mark.parametrize("prop", [FNUMBER, EXPOSURE, BIAS, WHITE, SIZE])
def test_every_allowed_value_reads_back_from_its_words(prop: DevicePropDesc) -> None:
    assert isinstance(prop.form, PropEnum)
    for value in prop.form.values:
        assert parse_value(prop, show_value(prop.device_prop_code, value)) == value


@pytest.mark.parametrize(
    "code", [c for c, f in STANDARD_FORMS.items() if isinstance(f, Choices)], ids=hex
)
def test_every_named_value_reads_back(code: int) -> None:
    form = STANDARD_FORMS[code]
    assert isinstance(form, Choices)
    prop = desc(code, DataType.UINT16, 1, PropEnum(tuple(form.names)))
    for value, name in form.names.items():
        assert parse_value(prop, name) == value
        assert parse_value(prop, name.upper().replace(" ", "_")) == value
        assert parse_value(prop, str(value)) == value


@given(st.integers(min_value=1, max_value=0xFFFF))
def test_any_fnumber_reads_back(value: int) -> None:
    prop = desc(P.FNumber, DataType.UINT16, value, PropEnum((value,)))
    assert parse_value(prop, show_value(P.FNumber, value)) == value


@given(st.integers(min_value=-32768, max_value=32767))
def test_any_bias_reads_back_within_the_rounding(value: int) -> None:
    prop = desc(P.ExposureBiasCompensation, DataType.INT16, 0)
    back = parse_value(prop, show_value(P.ExposureBiasCompensation, value))
    assert isinstance(back, int) and abs(back - value) <= 50


@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 1, 1)))
def test_any_datetime_reads_back(when: datetime) -> None:
    when = when.replace(microsecond=0)
    for aware in (when, when.replace(tzinfo=timezone(timedelta(hours=-5, minutes=-30)))):
        shown = show_value(P.DateTime, parse_value(CLOCK, aware.isoformat()))
        assert parse_value(CLOCK, shown) == parse_value(CLOCK, aware.isoformat())


@given(st.text(max_size=40))
def test_garbage_only_ever_raises_bad_value(text: str) -> None:
    for prop in (FNUMBER, EXPOSURE, BIAS, WHITE, CLOCK, SIZE, BATTERY):
        try:
            parse_value(prop, text, now=NOW)
        except BadValueError:
            pass


# -- a dialect's own table -----------------------------------------------------------------
def test_a_vendor_table_extends_and_overrides() -> None:
    assert form_for(0xD109) is None
    register_forms(
        "testvendor", {0xD109: Choices({8: "Shade"}), P.WhiteBalance: Choices({2: "AWB"})}
    )
    assert show_value(0xD109, 8, "testvendor") == "Shade"
    assert show_value(0xD109, 8) == "8"  # another camera's 0xD109 means something else
    assert show_value(P.WhiteBalance, 2, "testvendor") == "AWB"
    assert show_value(P.WhiteBalance, 4, "testvendor") == "4"  # the vendor's table decides
    assert show_value(P.WhiteBalance, 2, "othervendor") == "Automatic"
    prop = desc(0xD109, DataType.UINT8, 8, PropEnum((8,)))
    assert parse_value(prop, "shade", vendor="testvendor") == 8


def test_names_from_a_vendor_function_read_back_through_the_allowed_values() -> None:
    names = {0: "Auto", 0x48: "ISO 100", 0x50: "ISO 200"}
    register_forms("acme", {0xD103: Named(names.get)})
    prop = desc(0xD103, DataType.UINT16, 0x48, PropEnum((0, 0x48, 0x50)))
    assert show_value(0xD103, 0x50, "acme") == "ISO 200"
    assert show_value(0xD103, 0x99, "acme") == str(0x99)  # no name: the number
    assert parse_value(prop, "iso 200", vendor="acme") == 0x50
    assert parse_value(prop, "Auto", vendor="acme") == 0
    assert parse_value(prop, "0x48", vendor="acme") == 0x48
    with pytest.raises(BadValueError) as caught:
        parse_value(prop, "ISO 400", vendor="acme")
    assert caught.value.allowed == ("Auto", "ISO 100", "ISO 200")
