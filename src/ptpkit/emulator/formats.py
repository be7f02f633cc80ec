"""Which PTP object format code a file gets: content magic first, then the extension.

:func:`detect_format` looks at the first :data:`HEAD_SIZE` bytes of a file (the caller
reads them, so a file is opened once) and at its name. It never raises: whatever it
cannot recognise is ``ObjectFormat.Undefined`` (0x3000).

Choices (reference §2.5):

- Every JPEG is ``EXIF_JPEG`` (0x3801), JFIF or not: that is what cameras report.
- TIFF-based files are told apart by signature and extension: ``.dng`` → ``DNG``;
  Canon CR2 (``CR`` at offset 8, or ``.cr2``) and Fujifilm RAF → ``RAW_B103``; Sony ARW
  and Canon CRW → ``ARW_CRW``; Canon CR3 (ISO-BMFF brand ``crx``) → ``CR3``; other raw
  types (NEF, ORF, RW2, PEF, SRW, …) → ``UndefinedImage`` (0x3800), because no vendor
  code is shared for them. With ``vendor_codes=False`` every raw type except DNG is
  ``UndefinedImage``, so that "images only" filters (0x38xx) include them when the
  responder announces VendorExtensionID 0.
- HEIF/AVIF/WebP → ``UndefinedImage``.
- ISO-BMFF movies: brand ``qt`` → ``QuickTime``; any other video brand → ``MTP_MP4``
  (0xB982, what Canon and Sony cameras report for MP4); 3GP → ``MTP_3GP``; M4A → ``MTP_AAC``.
  MPEG program/transport streams (.mpg, AVCHD .mts/.m2ts) → ``MPEG``.
- Text: ``.txt``/``.xmp`` and a few other text extensions, or a small file (at most
  :data:`TEXT_SNIFF_MAX_SIZE` bytes, when the size is known) whose head is clean UTF-8.
  ``.html`` → ``HTML``; DPOF ``.mrk`` → ``DPOF``.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from ptpkit.proto.codes import ObjectFormat

__all__ = ["HEAD_SIZE", "TEXT_SNIFF_MAX_SIZE", "detect_format", "format_from_extension"]

#: How many leading bytes :func:`detect_format` wants (one small read per file).
HEAD_SIZE = 512
#: Files without a known extension are sniffed as text only up to this size.
TEXT_SNIFF_MAX_SIZE = 64 * 1024

_F = ObjectFormat

#: Raw types whose vendor code is shared by libgphoto2's tables (reference §2.5).
_VENDOR_RAW: dict[str, int] = {
    ".cr2": _F.RAW_B103,
    ".raf": _F.RAW_B103,
    ".arw": _F.ARW_CRW,
    ".srf": _F.ARW_CRW,
    ".sr2": _F.ARW_CRW,
    ".crw": _F.ARW_CRW,
    ".cr3": _F.CR3,
}
_OTHER_RAW = frozenset(
    [
        ".nef",
        ".nrw",
        ".orf",
        ".rw2",
        ".raw",
        ".pef",
        ".srw",
        ".x3f",
        ".3fr",
        ".iiq",
        ".erf",
        ".kdc",
        ".dcr",
        ".mrw",
        ".mef",
        ".mos",
        ".rwl",
    ]
)

_EXTENSIONS: dict[str, int] = {
    ".jpg": _F.EXIF_JPEG,
    ".jpeg": _F.EXIF_JPEG,
    ".jpe": _F.EXIF_JPEG,
    ".jfif": _F.EXIF_JPEG,
    ".png": _F.PNG,
    ".tif": _F.TIFF,
    ".tiff": _F.TIFF,
    ".gif": _F.GIF,
    ".bmp": _F.BMP,
    ".jp2": _F.JP2,
    ".j2k": _F.JP2,
    ".jpf": _F.JPX,
    ".jpx": _F.JPX,
    ".dng": _F.DNG,
    ".heic": _F.UndefinedImage,
    ".heif": _F.UndefinedImage,
    ".hif": _F.UndefinedImage,
    ".avif": _F.UndefinedImage,
    ".webp": _F.UndefinedImage,
    ".mov": _F.QuickTime,
    ".qt": _F.QuickTime,
    ".mp4": _F.MTP_MP4,
    ".m4v": _F.MTP_MP4,
    ".3gp": _F.MTP_3GP,
    ".3g2": _F.MTP_3GP,
    ".avi": _F.AVI,
    ".mpg": _F.MPEG,
    ".mpeg": _F.MPEG,
    ".m2ts": _F.MPEG,
    ".mts": _F.MPEG,
    ".ts": _F.MPEG,
    ".vob": _F.MPEG,
    ".asf": _F.ASF,
    ".wav": _F.WAV,
    ".mp3": _F.MP3,
    ".aif": _F.AIFF,
    ".aiff": _F.AIFF,
    ".m4a": _F.MTP_AAC,
    ".aac": _F.MTP_AAC,
    ".flac": _F.MTP_FLAC,
    ".ogg": _F.MTP_OGG,
    ".html": _F.HTML,
    ".htm": _F.HTML,
    ".mrk": _F.DPOF,
    ".txt": _F.Text,
    ".xmp": _F.Text,
    ".csv": _F.Text,
    ".json": _F.Text,
    ".xml": _F.Text,
    ".log": _F.Text,
    ".md": _F.Text,
    ".ini": _F.Text,
}

_HEIF_BRANDS = frozenset(
    b"heic heix hevc hevx heim heis hevm hevs mif1 msf1 mif2 avif avis".split()
)
_BMP_DIB_SIZES = frozenset({12, 40, 52, 56, 64, 108, 124})
_TEXT_CONTROLS_OK = frozenset(b"\t\n\r\x0b\x0c\x1b")


def format_from_extension(path: Path, *, vendor_codes: bool = True) -> int:
    """The format implied by the file name alone (``Undefined`` when unknown)."""
    ext = path.suffix.lower()
    if ext in _VENDOR_RAW:
        return _VENDOR_RAW[ext] if vendor_codes else _F.UndefinedImage
    if ext in _OTHER_RAW:
        return _F.UndefinedImage
    return _EXTENSIONS.get(ext, _F.Undefined)


def detect_format(
    path: Path,
    head: bytes | bytearray | memoryview,
    *,
    size: int | None = None,
    vendor_codes: bool = True,
) -> int:
    """The PTP ObjectFormat of a file, from its first bytes ``head`` and its name.

    ``size`` (the whole file's size, when known) limits text sniffing to small files.
    Never raises; unknown content with an unknown extension is ``Undefined`` (0x3000).
    """
    try:
        data = bytes(head[:HEAD_SIZE])
        found = _from_magic(path, data, vendor_codes)
        if found is not None:
            return found
        by_ext = format_from_extension(path, vendor_codes=vendor_codes)
        if by_ext != _F.Undefined:
            return by_ext
        # Unknown extension: a small file of clean UTF-8 is text.
        small = size is None or size <= TEXT_SNIFF_MAX_SIZE
        complete = size is not None and size <= len(data)
        if data and small and _looks_like_text(data, complete=complete):
            return _F.Text
        return _F.Undefined
    except Exception:
        return _F.Undefined


def _raw_or_image(code: int, vendor_codes: bool) -> int:
    return code if vendor_codes else _F.UndefinedImage


def _from_magic(path: Path, head: bytes, vendor_codes: bool) -> int | None:
    ext = path.suffix.lower()
    if head.startswith(b"\xff\xd8\xff"):
        return _F.EXIF_JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _F.PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return _F.GIF
    if head.startswith(b"II\x1a\x00\x00\x00HEAPCCDR"):
        return _raw_or_image(_F.ARW_CRW, vendor_codes)  # Canon CRW (CIFF)
    if head.startswith(b"FUJIFILMCCD-RAW"):
        return _raw_or_image(_F.RAW_B103, vendor_codes)
    if head.startswith((b"IIRO", b"IIRS", b"MMOR", b"IIU\x00")):
        return _F.UndefinedImage  # Olympus ORF, Panasonic RW2
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return _tiff_family(ext, head, vendor_codes)
    if head.startswith(b"\x00\x00\x00\x0cjP  \r\n\x87\n"):
        return _F.JPX if head[20:24] == b"jpx " else _F.JP2
    if head.startswith(b"\xff\x4f\xff\x51"):
        return _F.JP2  # raw JPEG 2000 codestream
    if head.startswith(b"BM") and int.from_bytes(head[14:18], "little") in _BMP_DIB_SIZES:
        return _F.BMP
    if head.startswith(b"RIFF") and len(head) >= 12:
        kind = head[8:12]
        if kind == b"WAVE":
            return _F.WAV
        if kind == b"AVI ":
            return _F.AVI
        if kind == b"WEBP":
            return _F.UndefinedImage
    if head.startswith(b"FORM") and head[8:12] in (b"AIFF", b"AIFC"):
        return _F.AIFF
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return _iso_bmff(head[8:12], ext, vendor_codes)
    if len(head) >= 8 and head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"):
        return _F.QuickTime if ext in ("", ".mov", ".qt") else None
    if head.startswith(b"0&\xb2u\x8ef\xcf\x11"):
        return _F.ASF
    if head.startswith(b"fLaC"):
        return _F.MTP_FLAC
    if head.startswith(b"OggS"):
        return _F.MTP_OGG
    if head.startswith(b"ID3") or _is_mp3_frame(head):
        return _F.MP3
    if head.startswith((b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3")):
        return _F.MPEG
    if _is_transport_stream(head):
        return _F.MPEG
    return None


def _tiff_family(ext: str, head: bytes, vendor_codes: bool) -> int:
    if ext == ".dng":
        return _F.DNG
    if head[8:10] == b"CR" or ext in _VENDOR_RAW:
        code = _VENDOR_RAW.get(ext, _F.RAW_B103)
        return _raw_or_image(code, vendor_codes)
    if ext in _OTHER_RAW:
        return _F.UndefinedImage
    return _F.TIFF


def _iso_bmff(brand: bytes, ext: str, vendor_codes: bool) -> int:
    if brand == b"crx ":
        return _raw_or_image(_F.CR3, vendor_codes)
    if brand == b"qt  ":
        return _F.QuickTime
    if brand in _HEIF_BRANDS:
        return _F.UndefinedImage
    if brand.startswith(b"3g"):
        return _F.MTP_3GP
    if brand in (b"M4A ", b"M4B ", b"M4P "):
        return _F.MTP_AAC
    if brand in (b"jp2 ", b"jpx ", b"jpm "):
        return _F.JPX if brand == b"jpx " else _F.JP2
    if ext in (".mov", ".qt"):
        return _F.QuickTime
    return _F.MTP_MP4


def _is_mp3_frame(head: bytes) -> bool:
    """An MPEG audio frame header (layers I to III) with no reserved field values."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version = (head[1] >> 3) & 3
    layer = (head[1] >> 1) & 3
    bitrate = head[2] >> 4
    rate = (head[2] >> 2) & 3
    return version != 1 and layer != 0 and bitrate != 15 and rate != 3


def _is_transport_stream(head: bytes) -> bool:
    if len(head) > 188 and head[0] == 0x47 and head[188] == 0x47:
        return True
    return len(head) > 196 and head[4] == 0x47 and head[196] == 0x47  # M2TS (4-byte prefix)


def _looks_like_text(head: bytes, *, complete: bool) -> bool:
    """Valid UTF-8 with no control characters besides whitespace (and ESC)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        text = decoder.decode(head, final=complete)
    except UnicodeDecodeError:
        return False
    if "\x7f" in text:
        return False
    return all(ord(ch) >= 0x20 or ord(ch) in _TEXT_CONTROLS_OK for ch in text)
