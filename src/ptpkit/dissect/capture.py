"""Frames out of a pcap or pcapng file, read with dpkt; a cut or corrupt file ends the
frames early and says why (``damage``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO, NamedTuple

import dpkt

from ptpkit.dissect.network import SUPPORTED_LINKS
from ptpkit.errors import CaptureError

__all__ = ["CaptureFile", "Frame"]

#: Largest single read from a capture file: a record or block above it is corruption.
_MAX_CAPTURE_READ = 64 << 20

_PCAP_MAGICS = frozenset(
    {
        b"\xd4\xc3\xb2\xa1",  # microseconds, little-endian
        b"\xa1\xb2\xc3\xd4",  # microseconds, big-endian
        b"\x4d\x3c\xb2\xa1",  # nanoseconds, little-endian
        b"\xa1\xb2\x3c\x4d",  # nanoseconds, big-endian
    }
)
_PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"


class _CorruptCapture(Exception):
    """Raised inside dpkt's reader through our file wrapper; caught at the boundary."""


class _TrackedFile:
    """A file wrapper that refuses absurd reads and remembers whether the last was short.

    dpkt's readers return short records silently at the end of a cut file and read the
    rest of the file for a negative block length; this is how we notice both.
    """

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.name = getattr(raw, "name", "<capture>")
        self.last_requested = 0
        self.last_got = 0

    def read(self, size: int = -1) -> bytes:
        if size < 0 or size > _MAX_CAPTURE_READ:
            raise _CorruptCapture(f"record or block length {size} is impossible")
        data = self._raw.read(size)
        self.last_requested = size
        self.last_got = len(data)
        return data

    @property
    def last_short(self) -> bool:
        return self.last_got < self.last_requested


class Frame(NamedTuple):
    number: int
    time: float
    data: bytes


class CaptureFile:
    """Frames of a pcap or pcapng file; ``damage`` says why reading stopped early."""

    def __init__(self, raw: BinaryIO) -> None:
        magic = raw.read(4)
        raw.seek(0)
        self._file = _TrackedFile(raw)
        self.damage: str | None = None
        self.count = 0
        reader: Any  # dpkt has no type hints
        try:
            if magic in _PCAP_MAGICS:
                self.format = "pcap"
                reader = dpkt.pcap.Reader(self._file)
            elif magic == _PCAPNG_MAGIC:
                self.format = "pcapng"
                reader = dpkt.pcapng.Reader(self._file)
            else:
                raise CaptureError("not a pcap or pcapng file")
            self.link_type = int(reader.datalink()) & 0xFFFF
        except CaptureError:
            raise
        except Exception as exc:  # dpkt on a damaged header: report, never a traceback
            raise CaptureError(
                f"unreadable {_format_name(magic)} header: {_describe(exc)}"
            ) from exc
        if self.link_type not in SUPPORTED_LINKS:
            raise CaptureError(f"unsupported link type {self.link_type}")
        self._reader = reader

    def __iter__(self) -> Iterator[Frame]:
        records = iter(self._reader)
        while True:
            number = self.count + 1
            try:
                ts, data = next(records)
            except StopIteration:
                break
            except Exception as exc:  # a corrupt record inside dpkt: stop here, report
                if self._file.last_short and not isinstance(exc, _CorruptCapture):
                    self.damage = f"capture file is truncated after frame {self.count}"
                else:
                    self.damage = f"capture file is damaged at frame {number}: {_describe(exc)}"
                return
            if self._file.last_short:
                self.damage = f"capture file is truncated: frame {number} is cut short"
                return
            self.count = number
            yield Frame(number, float(ts), bytes(data))
        if 0 < self._file.last_got < self._file.last_requested:
            self.damage = f"capture file is truncated after frame {self.count}"


def _format_name(magic: bytes) -> str:
    return "pcapng" if magic == _PCAPNG_MAGIC else "pcap"


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
