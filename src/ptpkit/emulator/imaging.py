"""Pillow helpers for the emulator: image dimensions, thumbnails, generated captures.

Nothing here raises on a bad file: a corrupt or unreadable image gives ``None``, and the
folder store then serves the file as a plain object. Thumbnails are cached by
``(path, mtime_ns, size, max_side)``, so an ObjectInfo and the GetThumb that follows
it see the same bytes without decoding the image twice.

Camera JPEGs normally carry a small JPEG thumbnail in EXIF IFD1; when it is there (and
no bigger than twice ``max_side``) it is served as is, which costs no decoding at all.
Otherwise the image is decoded at reduced scale (JPEG draft mode) and shrunk.
"""

from __future__ import annotations

import io
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import ExifTags, Image, ImageDraw, ImageFont

__all__ = [
    "MAX_CAPTURE_PIXELS",
    "ImageMeta",
    "Thumbnail",
    "clear_thumbnail_cache",
    "generate_capture_jpeg",
    "make_thumbnail",
    "probe_image",
    "render_thumbnail",
]

#: Generated captures above this many pixels are scaled down (aspect ratio kept).
MAX_CAPTURE_PIXELS = 100_000_000
#: Images that are not JPEG (no reduced-scale decoding) and larger than this get no thumbnail.
MAX_THUMB_SOURCE_PIXELS = 60_000_000
_JPEG_MAX_SIDE = 65_500
_CACHE_SIZE = 2048

_MODE_BITS = {
    "1": 1,
    "L": 8,
    "P": 8,
    "LA": 16,
    "La": 16,
    "PA": 16,
    "RGB": 24,
    "YCbCr": 24,
    "LAB": 24,
    "HSV": 24,
    "RGBA": 32,
    "RGBa": 32,
    "RGBX": 32,
    "CMYK": 32,
    "I": 32,
    "F": 32,
}


@dataclass(frozen=True, slots=True)
class ImageMeta:
    """What an image header says: pixel size and bits per pixel (ImageBitDepth)."""

    width: int
    height: int
    bit_depth: int


@dataclass(frozen=True, slots=True)
class Thumbnail:
    """A JPEG thumbnail and its pixel size (ThumbFormat EXIF_JPEG in ObjectInfo)."""

    data: bytes
    width: int
    height: int


def _bit_depth(mode: str) -> int:
    if mode.startswith("I;16"):
        return 16
    bits = _MODE_BITS.get(mode)
    if bits is not None:
        return bits
    try:
        return 8 * Image.getmodebands(mode)
    except Exception:
        return 0


def probe_image(path: Path) -> ImageMeta | None:
    """Width, height and bit depth from the image header, or ``None``.

    The image is opened lazily (header only, no pixel decoding). Any failure, whatever
    its kind (corrupt data, permissions, decompression-bomb limits), gives ``None``.
    """
    try:
        with Image.open(path) as im:
            width, height = im.size
            return ImageMeta(int(width), int(height), _bit_depth(im.mode))
    except Exception:
        return None


# -- thumbnails ---------------------------------------------------------------------------

_CacheKey = tuple[str, int, int, int]
_cache: OrderedDict[_CacheKey, Thumbnail | None] = OrderedDict()
_cache_lock = threading.Lock()


def clear_thumbnail_cache() -> None:
    """Forget every cached thumbnail (tests, or after bulk changes)."""
    with _cache_lock:
        _cache.clear()


def make_thumbnail(path: Path, max_side: int = 160) -> bytes | None:
    """JPEG bytes of a thumbnail of at most ``max_side`` pixels a side, or ``None``."""
    thumb = render_thumbnail(path, max_side)
    return None if thumb is None else thumb.data


def render_thumbnail(path: Path, max_side: int = 160) -> Thumbnail | None:
    """Like :func:`make_thumbnail`, with the thumbnail's pixel size. Cached; never raises."""
    try:
        st = Path(path).stat()
    except OSError:
        return None
    key: _CacheKey = (os.fspath(path), st.st_mtime_ns, st.st_size, max_side)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    thumb = _render(path, max_side)
    with _cache_lock:
        _cache[key] = thumb
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return thumb


def _render(path: Path, max_side: int) -> Thumbnail | None:
    try:
        with Image.open(path) as im:
            embedded = _embedded_exif_thumbnail(im, max_side)
            if embedded is not None:
                return embedded
            is_jpeg = im.format in ("JPEG", "MPO")
            if not is_jpeg and im.width * im.height > MAX_THUMB_SOURCE_PIXELS:
                return None
            im.thumbnail((max_side, max_side))  # draft mode (reduced decoding) for JPEG
            small = _to_rgb(im)
            out = io.BytesIO()
            small.save(out, "JPEG", quality=80)
            return Thumbnail(out.getvalue(), small.width, small.height)
    except Exception:
        return None


def _to_rgb(im: Image.Image) -> Image.Image:
    if im.mode == "RGB":
        return im
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        im.mode == "P" and "transparency" in im.info
    ):
        rgba = im.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if im.mode.startswith("I") or im.mode == "F":
        return im.convert("L").convert("RGB")
    return im.convert("RGB")


def _embedded_exif_thumbnail(im: Image.Image, max_side: int) -> Thumbnail | None:
    """The JPEG thumbnail in EXIF IFD1, when present, valid and small enough."""
    if im.format not in ("JPEG", "MPO"):
        return None
    raw = im.info.get("exif")
    if not isinstance(raw, bytes) or not raw:
        return None
    try:
        ifd1 = im.getexif().get_ifd(ExifTags.IFD.IFD1)
        offset = ifd1.get(0x0201)  # JPEGInterchangeFormat
        length = ifd1.get(0x0202)  # JPEGInterchangeFormatLength
        if not isinstance(offset, int) or not isinstance(length, int) or length <= 0:
            return None
        tiff = raw[6:] if raw.startswith(b"Exif\x00\x00") else raw
        data = tiff[offset : offset + length]
        if len(data) != length or not data.startswith(b"\xff\xd8"):
            return None
        with Image.open(io.BytesIO(data)) as thumb:
            if thumb.format != "JPEG" or max(thumb.size) > 2 * max_side:
                return None
            thumb.load()  # make sure it decodes before serving it
            return Thumbnail(bytes(data), thumb.width, thumb.height)
    except Exception:
        return None


# -- generated captures -------------------------------------------------------------------


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except Exception:
        return ImageFont.load_default()


def generate_capture_jpeg(
    width: int,
    height: int,
    *,
    text: str,
    when: datetime | None = None,
    quality: int = 85,
    max_pixels: int = MAX_CAPTURE_PIXELS,
    make: str = "ptpkit",
    model: str = "ptpkit virtual camera",
    exif: bool = True,
) -> bytes:
    """A freshly generated JPEG of ``width`` x ``height`` pixels.

    The picture is a colour gradient (its hue follows ``text``) with ``text`` and the
    capture time drawn on it, so that every capture differs. EXIF carries Make, Model,
    DateTime, DateTimeOriginal and DateTimeDigitized (``when``, by default now, local
    time). Sizes above ``max_pixels`` are scaled down, keeping the aspect ratio; each
    side is clamped to 1…65500 (the JPEG limit). ``exif=False`` writes no EXIF at all
    (live-view frames: nothing between SOI and the image that could look like a marker).
    """
    if width < 1 or height < 1:
        raise ValueError(f"capture size must be positive, not {width}x{height}")
    if width * height > max_pixels:
        scale = (max_pixels / (width * height)) ** 0.5
        width, height = max(1, int(width * scale)), max(1, int(height * scale))
    width, height = min(width, _JPEG_MAX_SIDE), min(height, _JPEG_MAX_SIDE)
    moment = when if when is not None else datetime.now()

    horizontal = bytes(x * 255 // max(width - 1, 1) for x in range(width))
    vertical = bytes(y * 255 // max(height - 1, 1) for y in range(height))
    nearest = Image.Resampling.NEAREST
    red = Image.frombytes("L", (width, 1), horizontal).resize((width, height), nearest)
    green = Image.frombytes("L", (1, height), vertical).resize((width, height), nearest)
    blue = Image.new("L", (width, height), sum(text.encode("utf-8", "replace")) * 37 % 256)
    im = Image.merge("RGB", (red, green, blue))

    draw = ImageDraw.Draw(im)
    label = f"{text}\n{moment:%Y-%m-%d %H:%M:%S}"
    font = _font(max(10, min(width, height) // 10))
    margin = max(2, min(width, height) // 20)
    draw.multiline_text(
        (margin, margin),
        label,
        fill=(255, 255, 255),
        font=font,
        stroke_width=1,
        stroke_fill=(0, 0, 0),
    )

    out = io.BytesIO()
    if not exif:
        im.save(out, "JPEG", quality=quality, subsampling=2)
        return out.getvalue()
    stamp = f"{moment:%Y:%m:%d %H:%M:%S}"
    tags = Image.Exif()
    tags[0x010F] = make  # Make
    tags[0x0110] = model  # Model
    tags[0x0131] = "ptpkit"  # Software
    tags[0x0132] = stamp  # DateTime
    sub = tags.get_ifd(ExifTags.IFD.Exif)
    sub[0x9003] = stamp  # DateTimeOriginal
    sub[0x9004] = stamp  # DateTimeDigitized
    sub[0xA002] = width  # PixelXDimension
    sub[0xA003] = height  # PixelYDimension
    im.save(out, "JPEG", quality=quality, exif=tags, subsampling=2)
    return out.getvalue()
