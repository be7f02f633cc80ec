"""What discovery reports: :class:`FoundCamera`, and how one is made from a DNS-SD
service or an SSDP advertisement (pure functions, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ptpkit.proto.ssdp import Classification, DeviceDescription, usn_uuid

__all__ = [
    "DNS_SD",
    "PTPIP_PORT",
    "PTPIP_PORT_HEADER",
    "PTP_SERVICE_TYPE",
    "SSDP",
    "FoundCamera",
    "from_dns_sd",
    "from_ssdp",
    "txt_vendor",
]

DNS_SD = "dns-sd"
SSDP = "ssdp"
PTP_SERVICE_TYPE = "_ptp._tcp.local."
PTPIP_PORT = 15740
#: An extension header in ptpkit's own SSDP advertisements, for an emulator on another
#: port than 15740 (real bodies serve PTP/IP on 15740 and send no such header).
PTPIP_PORT_HEADER = "X-PTPIP-PORT"


@dataclass(frozen=True, slots=True)
class FoundCamera:
    """A camera seen on the network.

    ``via`` is how: ``"dns-sd"`` (``_ptp._tcp``) or ``"ssdp"``. ``vendor`` is
    ``"nikon"``, ``"canon"``, ``"sony"``, … or None; ``model`` and ``guid`` (hex, as the
    camera advertised it) when known. ``ident`` names the advertisement (DNS-SD service
    name or SSDP device UUID).
    """

    name: str
    address: str
    port: int
    via: str
    vendor: str | None = None
    model: str | None = None
    guid: str | None = None
    ident: str = ""

    @property
    def host_port(self) -> str:
        return f"{self.address}:{self.port}"

    def describe(self) -> str:
        """One line for people: ``10.0.0.5:15740 "Z 9" (nikon, dns-sd)``."""
        what = ", ".join(x for x in (self.vendor, self.model, self.via) if x)
        return f'{self.host_port} "{self.name}" ({what})'

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "vendor": self.vendor,
            "model": self.model,
            "address": self.address,
            "port": self.port,
            "via": self.via,
            "guid": self.guid,
        }


def _txt(properties: Mapping[Any, bytes | str | None]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in properties.items():
        k = key.decode("utf-8", "replace") if isinstance(key, bytes) else key
        if value is None:
            v = ""
        elif isinstance(value, bytes):
            v = value.decode("utf-8", "replace")
        else:
            v = value
        out.setdefault(k.lower(), v)
    return out


def txt_vendor(txt: Mapping[str, str]) -> str | None:
    """Nikon Z bodies advertise ``grpn=NX`` and ``apps=NCWC`` (dialects.md §7.2); ptpkit's
    generic persona its manufacturer as ``mfr``."""
    if txt.get("grpn", "").upper() == "NX" or "NCWC" in txt.get("apps", "").upper():
        return "nikon"
    maker = txt.get("mfr", "").strip()
    return maker.lower() or None


def from_dns_sd(
    service_name: str,
    addresses: list[str],
    port: int,
    properties: Mapping[Any, bytes | str | None],
) -> FoundCamera | None:
    """A camera from a resolved ``_ptp._tcp`` service (None without an IPv4 address)."""
    if not addresses or not port:
        return None
    txt = _txt(properties)
    instance = service_name
    suffix = "." + PTP_SERVICE_TYPE
    if instance.endswith(suffix):
        instance = instance[: -len(suffix)]
    return FoundCamera(
        name=instance or service_name,
        address=addresses[0],
        port=port,
        via=DNS_SD,
        vendor=txt_vendor(txt),
        model=txt.get("mdl") or None,
        guid=txt.get("guid") or None,
        ident=service_name,
    )


def from_ssdp(
    address: str,
    usn: str,
    kind: Classification,
    description: DeviceDescription | None = None,
    port_header: str | None = None,
) -> FoundCamera:
    """A camera from an SSDP advertisement (and its description, when fetched)."""
    port = PTPIP_PORT
    if port_header and port_header.strip().isdigit() and 0 < int(port_header) < 65536:
        port = int(port_header)
    vendor = kind.vendor
    model = None
    name = ""
    if description is not None:
        model = description.model_name or None
        name = description.friendly_name
        if vendor is None and description.manufacturer:
            vendor = description.manufacturer.split()[0].lower()
    if not name:
        name = f"{(vendor or 'MTP').capitalize()} camera"
    return FoundCamera(
        name=name,
        address=address,
        port=port,
        via=SSDP,
        vendor=vendor,
        model=model,
        ident=usn_uuid(usn) or usn,
    )
