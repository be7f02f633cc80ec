"""SSDP (UPnP discovery) messages, sans-IO: parse and build M-SEARCH requests, NOTIFY
(``ssdp:alive`` / ``ssdp:byebye``) and search responses, read a UPnP device description,
and tell which camera an advertisement comes from.

SSDP messages are HTTP-like text in one UDP datagram: a start line, ``Name: value``
header lines (names compare without regard to case) and an empty line. Canon EOS bodies
advertise ``urn:schemas-canon-com:service:ICPO-WFTEOSSystemService:1``; Sony bodies in
"send to computer" mode ``urn:microsoft-com:service:MtpNullService:1`` and
``urn:microsoft-com:device:mtp:1`` with ``SERVER: FedoraCore/2 UPnP/1.0 MINT-X/1.8.1``
(shared/reference/dialects.md §7.2). Anything that is not a well-formed message raises
:class:`~ptpkit.errors.DecodeError`; multicast noise is the caller's to ignore.

Text protocol, so no :class:`~ptpkit.proto.buffer.Buffer` here: a datagram is decoded
whole, with a size cap.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Union

from ptpkit.errors import DecodeError

__all__ = [
    "ALIVE",
    "BYEBYE",
    "CANON_EOS_SERVICE",
    "CANON_SERVICE_PREFIX",
    "CANON_UUID_PREFIX",
    "MAX_MESSAGE",
    "ROOT_DEVICE",
    "SEARCH_ALL",
    "SEARCH_TARGETS",
    "SONY_MTP_DEVICE",
    "SONY_MTP_SERVICE",
    "SONY_UUID_PREFIX",
    "SSDP_GROUP",
    "SSDP_HOST",
    "SSDP_PORT",
    "Classification",
    "DeviceDescription",
    "Headers",
    "Notify",
    "SearchRequest",
    "SearchResponse",
    "SsdpMessage",
    "classify",
    "decode_message",
    "usn_uuid",
]

SSDP_GROUP = "239.255.255.250"
SSDP_PORT = 1900
SSDP_HOST = f"{SSDP_GROUP}:{SSDP_PORT}"
#: A datagram bigger than this is not an SSDP message (real ones are a few hundred bytes).
MAX_MESSAGE = 8192

ROOT_DEVICE = "upnp:rootdevice"
SEARCH_ALL = "ssdp:all"
CANON_SERVICE_PREFIX = "urn:schemas-canon-com:service:"
CANON_EOS_SERVICE = "urn:schemas-canon-com:service:ICPO-WFTEOSSystemService:1"
SONY_MTP_SERVICE = "urn:microsoft-com:service:MtpNullService:1"
SONY_MTP_DEVICE = "urn:microsoft-com:device:mtp:1"
#: What a camera browser searches for: Canon EOS remote control, Sony "send to computer".
SEARCH_TARGETS = (CANON_EOS_SERVICE, SONY_MTP_SERVICE)
#: Sony bodies' device UUIDs: this, then the MAC address (dialects.md §7.2).
SONY_UUID_PREFIX = "00000000-0001-0010-8000-"
#: Canon EOS bodies' device UUIDs: this, then the MAC address.
CANON_UUID_PREFIX = "00000000-0000-0000-0001-"

ALIVE = "ssdp:alive"
BYEBYE = "ssdp:byebye"
_MAN_DISCOVER = '"ssdp:discover"'
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_MAX_AGE = re.compile(r"max-age\s*=\s*\"?(\d{1,9})", re.IGNORECASE)
_UUID = re.compile(r"^uuid:([^:]+)", re.IGNORECASE)


# -- headers -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Headers:
    """Header lines in their order, looked up without regard to case (first one wins)."""

    items: tuple[tuple[str, str], ...] = ()

    def get(self, name: str, default: str | None = None) -> str | None:
        key = name.lower()
        for item_name, value in self.items:
            if item_name.lower() == key:
                return value
        return default

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.items)

    def without(self, names: Iterable[str]) -> Headers:
        drop = {n.lower() for n in names}
        return Headers(tuple(item for item in self.items if item[0].lower() not in drop))


def _text(data: bytes) -> str:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise DecodeError("an SSDP message is bytes")
    if len(data) > MAX_MESSAGE:
        raise DecodeError(f"SSDP message of {len(data)} bytes is over the {MAX_MESSAGE} cap")
    raw = bytes(data)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")  # a stray byte in SERVER must not lose the message


def _split(data: bytes) -> tuple[str, Headers]:
    """Start line and headers; whatever follows the empty line is ignored."""
    text = _text(data)
    head = re.split(r"\r?\n\r?\n", text, maxsplit=1)[0]
    lines = re.split(r"\r?\n", head)
    start = lines[0].strip()
    if not start:
        raise DecodeError("empty SSDP start line")
    items: list[tuple[str, str]] = []
    for line in lines[1:]:
        if not line.strip():
            continue
        if line[0] in " \t":
            raise DecodeError("folded SSDP header lines are not allowed")
        name, sep, value = line.partition(":")
        name = name.strip()
        if not sep or not _TOKEN.match(name):
            raise DecodeError(f"malformed SSDP header line {line[:40]!r}")
        items.append((name, value.strip()))
    return start, Headers(tuple(items))


def _require(headers: Headers, name: str, what: str) -> str:
    value = headers.get(name)
    if not value:
        raise DecodeError(f"{what} without {name}")
    return value


def _max_age(headers: Headers) -> int | None:
    value = headers.get("CACHE-CONTROL")
    match = _MAX_AGE.search(value) if value else None
    return int(match.group(1)) if match else None


def _encode(start: str, fields: Iterable[tuple[str, str | None]], extra: Headers) -> bytes:
    lines = [start]
    for name, value in fields:
        if value is not None:
            lines.append(f"{name}: {value}")
    lines.extend(f"{name}: {value}" for name, value in extra)
    for line in lines:
        if "\r" in line or "\n" in line:
            raise ValueError(f"line break inside an SSDP header: {line!r}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


def usn_uuid(usn: str | None) -> str | None:
    """The device UUID of a USN (``uuid:XXXX::urn:…`` → ``XXXX``), lower case."""
    match = _UUID.match(usn.strip()) if usn else None
    return match.group(1).lower() if match else None


# -- messages ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """``M-SEARCH * HTTP/1.1``: who offers ``st``? Answers come within ``mx`` seconds."""

    st: str
    mx: int | None = 2
    host: str = SSDP_HOST
    extra: Headers = field(default_factory=Headers)

    def encode(self) -> bytes:
        return _encode(
            "M-SEARCH * HTTP/1.1",
            [
                ("HOST", self.host),
                ("MAN", _MAN_DISCOVER),
                ("MX", None if self.mx is None else str(self.mx)),
                ("ST", self.st),
            ],
            self.extra,
        )

    @classmethod
    def decode(cls, data: bytes) -> SearchRequest:
        start, headers = _split(data)
        if start.upper().split()[:2] != ["M-SEARCH", "*"]:
            raise DecodeError(f"not an M-SEARCH: {start[:40]!r}")
        man = _require(headers, "MAN", "M-SEARCH")
        if man.strip().strip('"').lower() != "ssdp:discover":
            raise DecodeError(f"M-SEARCH with MAN {man[:40]!r}")
        st = _require(headers, "ST", "M-SEARCH")
        mx_text = headers.get("MX")
        mx: int | None = None
        if mx_text is not None:
            if not mx_text.isdigit() or len(mx_text) > 6:
                raise DecodeError(f"M-SEARCH with MX {mx_text[:20]!r}")
            mx = int(mx_text)
        return cls(
            st=st,
            mx=mx,
            host=headers.get("HOST") or "",
            extra=headers.without(("HOST", "MAN", "MX", "ST")),
        )


@dataclass(frozen=True, slots=True)
class Notify:
    """``NOTIFY * HTTP/1.1``: ``nts`` is ``ssdp:alive`` (here I am) or ``ssdp:byebye``."""

    nt: str
    nts: str
    usn: str
    location: str | None = None
    server: str | None = None
    max_age: int | None = None
    host: str = SSDP_HOST
    extra: Headers = field(default_factory=Headers)

    @property
    def alive(self) -> bool:
        return self.nts.lower() != BYEBYE

    @property
    def target(self) -> str:
        return self.nt

    def encode(self) -> bytes:
        return _encode(
            "NOTIFY * HTTP/1.1",
            [
                ("HOST", self.host),
                ("CACHE-CONTROL", None if self.max_age is None else f"max-age={self.max_age}"),
                ("LOCATION", self.location),
                ("NT", self.nt),
                ("NTS", self.nts),
                ("SERVER", self.server),
                ("USN", self.usn),
            ],
            self.extra,
        )

    @classmethod
    def decode(cls, data: bytes) -> Notify:
        start, headers = _split(data)
        if start.upper().split()[:2] != ["NOTIFY", "*"]:
            raise DecodeError(f"not a NOTIFY: {start[:40]!r}")
        nts = _require(headers, "NTS", "NOTIFY")
        if nts.lower() not in (ALIVE, BYEBYE, "ssdp:update"):
            raise DecodeError(f"NOTIFY with NTS {nts[:40]!r}")
        return cls(
            nt=_require(headers, "NT", "NOTIFY"),
            nts=nts.lower(),
            usn=_require(headers, "USN", "NOTIFY"),
            location=headers.get("LOCATION"),
            server=headers.get("SERVER"),
            max_age=_max_age(headers),
            host=headers.get("HOST") or "",
            extra=headers.without(
                ("HOST", "CACHE-CONTROL", "LOCATION", "NT", "NTS", "SERVER", "USN")
            ),
        )


@dataclass(frozen=True, slots=True)
class SearchResponse:
    """``HTTP/1.1 200 OK`` sent back (unicast) to an M-SEARCH."""

    st: str
    usn: str
    location: str | None = None
    server: str | None = None
    max_age: int | None = 1800
    extra: Headers = field(default_factory=Headers)

    @property
    def alive(self) -> bool:
        return True

    @property
    def target(self) -> str:
        return self.st

    def encode(self) -> bytes:
        return _encode(
            "HTTP/1.1 200 OK",
            [
                ("CACHE-CONTROL", None if self.max_age is None else f"max-age={self.max_age}"),
                ("EXT", ""),
                ("LOCATION", self.location),
                ("SERVER", self.server),
                ("ST", self.st),
                ("USN", self.usn),
            ],
            self.extra,
        )

    @classmethod
    def decode(cls, data: bytes) -> SearchResponse:
        start, headers = _split(data)
        parts = start.split(None, 2)
        if len(parts) < 2 or not parts[0].upper().startswith("HTTP/"):
            raise DecodeError(f"not an SSDP search response: {start[:40]!r}")
        if parts[1] != "200":
            raise DecodeError(f"SSDP search response with status {parts[1][:10]!r}")
        return cls(
            st=_require(headers, "ST", "search response"),
            usn=_require(headers, "USN", "search response"),
            location=headers.get("LOCATION"),
            server=headers.get("SERVER"),
            max_age=_max_age(headers),
            extra=headers.without(("CACHE-CONTROL", "EXT", "LOCATION", "SERVER", "ST", "USN")),
        )


SsdpMessage = Union[SearchRequest, Notify, SearchResponse]


def decode_message(data: bytes) -> SsdpMessage:
    """Whichever of the three messages ``data`` is; :class:`DecodeError` otherwise."""
    text = _text(data)
    first = text.lstrip()[:9].upper()
    if first.startswith("M-SEARCH"):
        return SearchRequest.decode(data)
    if first.startswith("NOTIFY"):
        return Notify.decode(data)
    if first.startswith("HTTP/"):
        return SearchResponse.decode(data)
    raise DecodeError(f"not an SSDP message: {text[:20]!r}")


# -- device description ------------------------------------------------------------------

_UPNP_NS = "urn:schemas-upnp-org:device-1-0"


@dataclass(frozen=True, slots=True)
class DeviceDescription:
    """The parts of a UPnP device description (the XML at LOCATION) a browser shows."""

    friendly_name: str = ""
    manufacturer: str = ""
    model_name: str = ""
    udn: str = ""
    device_type: str = ""
    serial_number: str = ""
    services: tuple[str, ...] = ()

    def encode(self) -> bytes:
        def sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
            element = ET.SubElement(parent, tag)
            if text is not None:
                element.text = text
            return element

        root = ET.Element("root", xmlns=_UPNP_NS)  # the children inherit the namespace
        spec = sub(root, "specVersion")
        sub(spec, "major", "1")
        sub(spec, "minor", "0")
        device = sub(root, "device")
        sub(device, "deviceType", self.device_type or "urn:schemas-upnp-org:device:Basic:1")
        sub(device, "friendlyName", self.friendly_name)
        sub(device, "manufacturer", self.manufacturer)
        sub(device, "modelName", self.model_name)
        if self.serial_number:
            sub(device, "serialNumber", self.serial_number)
        sub(device, "UDN", self.udn)
        if self.services:
            service_list = sub(device, "serviceList")
            for service_type in self.services:
                service = sub(service_list, "service")
                sub(service, "serviceType", service_type)
                name = service_type.split(":")[-2] if service_type.count(":") >= 2 else "x"
                sub(service, "serviceId", f"urn:upnp-org:serviceId:{name}")
        body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
        return body

    @classmethod
    def decode(cls, data: bytes) -> DeviceDescription:
        if len(data) > 1 << 16:
            raise DecodeError("device description over 64 KiB")
        if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            raise DecodeError("device description with a DOCTYPE")
        try:
            root = ET.fromstring(data)
        except (ET.ParseError, ValueError) as exc:
            raise DecodeError(f"device description is not XML: {exc}") from None

        def local(tag: object) -> str:
            return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""

        device = next((e for e in root.iter() if local(e.tag) == "device"), None)
        if device is None:
            raise DecodeError("device description without <device>")
        values: dict[str, str] = {}
        services: list[str] = []
        for child in device:
            if local(child.tag) == "serviceList":
                for element in child.iter():
                    if local(element.tag) == "serviceType" and element.text:
                        services.append(element.text.strip())
            elif len(child) == 0:
                values.setdefault(local(child.tag), (child.text or "").strip())
        return cls(
            friendly_name=values.get("friendlyName", ""),
            manufacturer=values.get("manufacturer", ""),
            model_name=values.get("modelName", ""),
            udn=values.get("UDN", ""),
            device_type=values.get("deviceType", ""),
            serial_number=values.get("serialNumber", ""),
            services=tuple(services),
        )


# -- which camera is this ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Classification:
    """What an advertisement says about the device: ``vendor`` ("canon", "sony" or None
    for an MTP/IP device of unknown make) and ``service`` (``canon-eos``,
    ``canon-mobile``, ``mtp``)."""

    vendor: str | None
    service: str


def classify(
    target: str | None,
    usn: str | None = None,
    server: str | None = None,
    manufacturer: str | None = None,
) -> Classification | None:
    """Is this advertisement (NT or ST, USN, SERVER, and the description's manufacturer
    when known) a camera's, and whose? ``None`` for everything else (routers, TVs, …)."""
    types = [t.strip().lower() for t in (target, (usn or "").partition("::")[2]) if t]
    server_l = (server or "").lower()
    maker = (manufacturer or "").lower()
    for kind in types:
        if kind.startswith(CANON_SERVICE_PREFIX):
            name = kind[len(CANON_SERVICE_PREFIX) :]
            service = "canon-eos" if name.startswith("icpo-wfteos") else "canon-mobile"
            return Classification("canon", service)
    mtp = any(k in (SONY_MTP_SERVICE.lower(), SONY_MTP_DEVICE.lower()) for k in types)
    if not mtp:
        if "canon device discovery" in server_l:
            return Classification("canon", "canon-eos")
        return None
    uuid = usn_uuid(usn) or ""
    sony = "mint-x" in server_l or "sony" in maker or uuid.startswith(SONY_UUID_PREFIX)
    return Classification("sony" if sony else None, "mtp")
