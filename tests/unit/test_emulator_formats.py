"""Format detection for served files: content magic first, then the extension.

The magic byte strings are typed in from the file-format specifications (JPEG SOI,
PNG signature, TIFF byte-order header, RIFF/ISO-BMFF boxes, …), not produced by the code
under test.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ptpkit.emulator.formats import HEAD_SIZE, detect_format, format_from_extension
from ptpkit.proto.codes import ObjectFormat as F

BMP_HEAD = b"BM" + b"\x00" * 12 + (40).to_bytes(4, "little") + b"\x00" * 16
JP2_HEAD = b"\x00\x00\x00\x0cjP  \r\n\x87\n" + b"\x00\x00\x00\x14ftypjp2 "
TS_HEAD = (b"\x47" + b"\x00" * 187) * 2


def ftyp(brand: bytes) -> bytes:
    return b"\x00\x00\x00\x18ftyp" + brand + b"\x00\x00\x00\x00" + brand + b"isom"


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("IMG_0001.JPG", b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00", F.EXIF_JPEG),
        ("photo", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", F.EXIF_JPEG),
        ("a.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", F.PNG),
        ("a.gif", b"GIF89a\x01\x00\x01\x00", F.GIF),
        ("old.gif", b"GIF87a\x01\x00\x01\x00", F.GIF),
        ("a.bmp", BMP_HEAD, F.BMP),
        ("noext", BMP_HEAD, F.BMP),
        ("scan.tif", b"II*\x00\x08\x00\x00\x00", F.TIFF),
        ("scan.tiff", b"MM\x00*\x00\x00\x00\x08", F.TIFF),
        ("unnamed", b"II*\x00\x08\x00\x00\x00", F.TIFF),
        ("raw.dng", b"II*\x00\x08\x00\x00\x00", F.DNG),
        ("raw.DNG", b"MM\x00*\x00\x00\x00\x08", F.DNG),
        ("IMG_0001.CR2", b"II*\x00\x10\x00\x00\x00CR\x02\x00", F.RAW_B103),
        ("renamed.bin", b"II*\x00\x10\x00\x00\x00CR\x02\x00", F.RAW_B103),
        ("DSC0001.ARW", b"II*\x00\x08\x00\x00\x00", F.ARW_CRW),
        ("DSC_0001.NEF", b"MM\x00*\x00\x00\x00\x08", F.UndefinedImage),
        ("P1000001.ORF", b"IIRO\x08\x00\x00\x00", F.UndefinedImage),
        ("P1000001.RW2", b"IIU\x00\x18\x00\x00\x00", F.UndefinedImage),
        ("CRW_0001.CRW", b"II\x1a\x00\x00\x00HEAPCCDR", F.ARW_CRW),
        ("DSCF0001.RAF", b"FUJIFILMCCD-RAW 0201FF383501", F.RAW_B103),
        ("IMG_0001.CR3", ftyp(b"crx "), F.CR3),
        ("a.jp2", JP2_HEAD, F.JP2),
        ("a.j2c", b"\xff\x4f\xff\x51\x00\x2f", F.JP2),
        ("a.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", F.UndefinedImage),
        ("a.heic", ftyp(b"heic"), F.UndefinedImage),
        ("MVI_0001.MOV", ftyp(b"qt  "), F.QuickTime),
        ("clip.mp4", ftyp(b"isom"), F.MTP_MP4),
        ("clip.mp4", ftyp(b"mp42"), F.MTP_MP4),
        ("C0001.MP4", ftyp(b"XAVC"), F.MTP_MP4),
        ("old.mov", b"\x00\x00\x00\x08wide\x00\x00\x00\x00mdat", F.QuickTime),
        ("phone.3gp", ftyp(b"3gp4"), F.MTP_3GP),
        ("voice.m4a", ftyp(b"M4A "), F.MTP_AAC),
        ("clip.avi", b"RIFF\x00\x10\x00\x00AVI LIST", F.AVI),
        ("memo.wav", b"RIFF\x24\x00\x00\x00WAVEfmt ", F.WAV),
        ("song.mp3", b"ID3\x04\x00\x00\x00\x00\x00\x00", F.MP3),
        ("frame", b"\xff\xfb\x90\x00\x00\x00", F.MP3),
        ("a.mpg", b"\x00\x00\x01\xba\x44\x00", F.MPEG),
        ("00000.MTS", TS_HEAD, F.MPEG),
        ("a.aif", b"FORM\x00\x00\x00\x00AIFFCOMM", F.AIFF),
        ("a.flac", b"fLaC\x00\x00\x00\x22", F.MTP_FLAC),
        ("a.ogg", b"OggS\x00\x02", F.MTP_OGG),
        ("a.wmv", b"0&\xb2u\x8ef\xcf\x11\xa6\xd9\x00\xaa\x00b\xce\x6c", F.ASF),
    ],
)
def test_magic(name: str, head: bytes, expected: int) -> None:
    assert detect_format(Path(name), head) == expected


def test_content_beats_the_extension() -> None:
    assert detect_format(Path("really_a_png.jpg"), b"\x89PNG\r\n\x1a\n") == F.PNG
    assert detect_format(Path("really_a_jpeg.txt"), b"\xff\xd8\xff\xdb") == F.EXIF_JPEG


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("IMG_0001.JPG", F.EXIF_JPEG),
        ("x.jpeg", F.EXIF_JPEG),
        ("x.PNG", F.PNG),
        ("x.tif", F.TIFF),
        ("x.dng", F.DNG),
        ("x.cr2", F.RAW_B103),
        ("x.arw", F.ARW_CRW),
        ("x.cr3", F.CR3),
        ("x.nef", F.UndefinedImage),
        ("x.MOV", F.QuickTime),
        ("x.mp4", F.MTP_MP4),
        ("x.avi", F.AVI),
        ("x.wav", F.WAV),
        ("x.mp3", F.MP3),
        ("x.txt", F.Text),
        ("x.XMP", F.Text),
        ("AUTPRINT.MRK", F.DPOF),
        ("index.html", F.HTML),
        ("x.unknownext", F.Undefined),
    ],
)
def test_extension_when_the_content_says_nothing(name: str, expected: int) -> None:
    """Empty or unrecognisable content: the extension decides."""
    assert detect_format(Path(name), b"") == expected
    assert format_from_extension(Path(name)) == expected


def test_vendor_codes_off_makes_raw_files_images() -> None:
    tiff = b"II*\x00\x08\x00\x00\x00"
    assert detect_format(Path("a.cr2"), tiff, vendor_codes=False) == F.UndefinedImage
    assert detect_format(Path("a.arw"), tiff, vendor_codes=False) == F.UndefinedImage
    assert detect_format(Path("a.cr3"), ftyp(b"crx "), vendor_codes=False) == F.UndefinedImage
    assert detect_format(Path("a.dng"), tiff, vendor_codes=False) == F.DNG
    assert format_from_extension(Path("a.raf"), vendor_codes=False) == F.UndefinedImage


def test_small_utf8_files_are_text() -> None:
    text = "Grüße aus Köln\nline two\n".encode()
    assert detect_format(Path("README"), text, size=len(text)) == F.Text
    assert detect_format(Path("notes.cfg2"), text, size=len(text)) == F.Text
    # A multi-byte character cut by the end of the head is still text.
    cut = ("x" * (HEAD_SIZE - 1) + "é").encode()[:HEAD_SIZE]
    assert detect_format(Path("long"), cut, size=10_000) == F.Text


def test_binary_or_large_files_are_not_text() -> None:
    assert detect_format(Path("blob"), b"\x00\x01\x02\x03", size=4) == F.Undefined
    assert detect_format(Path("latin1"), "Grüße".encode("latin-1"), size=5) == F.Undefined
    assert detect_format(Path("ctrl"), b"abc\x07def", size=7) == F.Undefined
    assert detect_format(Path("big.log2"), b"hello world\n", size=10 * 2**20) == F.Undefined
    assert detect_format(Path("empty"), b"", size=0) == F.Undefined


def test_mp3_frame_check_rejects_reserved_values() -> None:
    assert detect_format(Path("x"), b"\xff\xfb\xf0\x00") == F.Undefined  # bitrate 15
    assert detect_format(Path("x"), b"\xff\xf9\x90\x00") == F.Undefined  # layer 0 (AAC ADTS)


@given(
    head=st.binary(max_size=HEAD_SIZE),
    name=st.text(max_size=40),
    size=st.none() | st.integers(0, 2**40),
)
def test_never_raises(head: bytes, name: str, size: int | None) -> None:
    try:
        path = Path(name)
    except ValueError:  # NUL in a name
        return
    code = detect_format(path, head, size=size)
    assert isinstance(code, int)
    assert 0x3000 <= code <= 0xFFFF


def test_odd_arguments_do_not_raise() -> None:
    assert detect_format(Path("x"), bytearray(b"\xff\xd8\xff")) == F.EXIF_JPEG
    assert detect_format(Path("/"), b"") == F.Undefined
    assert detect_format(Path("x.jpg"), b"\xff" * 10_000) == F.EXIF_JPEG  # longer than the head
