"""Let an emulated camera be found, the way its persona's family announces itself
(shared/reference/dialects.md §7.2):

* ``generic`` and ``nikon``: DNS-SD ``_ptp._tcp`` with Nikon-style TXT keys (``guid``,
  ``seq``, ``ver``; Nikon adds ``vid``, ``pid``, ``apps=NCWC``, ``grpn=NX``; generic adds
  ``mfr`` and ``mdl``), through python-zeroconf;
* ``canon-eos`` and ``sony``: SSDP NOTIFY ``ssdp:alive`` (again every few minutes),
  answers to M-SEARCH, and the device description XML over HTTP at LOCATION.

Only on the address the camera's server is bound to (every IPv4 interface for
0.0.0.0). :meth:`Advertiser.close` withdraws the announcement: a DNS-SD goodbye, or
``ssdp:byebye``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import socket
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ptpkit.discovery.net import (
    Interface,
    interface_for_peer,
    interfaces_for,
    is_wildcard,
    multicast_socket,
    search_socket,
    set_sending_interface,
)
from ptpkit.discovery.records import PTP_SERVICE_TYPE, PTPIP_PORT, PTPIP_PORT_HEADER
from ptpkit.errors import DecodeError
from ptpkit.proto.ssdp import (
    ALIVE,
    BYEBYE,
    CANON_EOS_SERVICE,
    CANON_UUID_PREFIX,
    ROOT_DEVICE,
    SEARCH_ALL,
    SONY_MTP_DEVICE,
    SONY_MTP_SERVICE,
    SONY_UUID_PREFIX,
    SSDP_GROUP,
    SSDP_PORT,
    DeviceDescription,
    Headers,
    Notify,
    SearchRequest,
    SearchResponse,
)

if TYPE_CHECKING:
    from ptpkit.emulator.serve import EmulatorServer

__all__ = [
    "FAMILIES",
    "Advertisement",
    "Advertiser",
    "advertise",
    "advertise_server",
    "family_for",
]

log = logging.getLogger(__name__)

#: Persona family → how it is announced.
FAMILIES = {"generic": "dns-sd", "nikon": "dns-sd", "canon-eos": "ssdp", "sony": "ssdp"}
CANON_SERVER = "Camera OS/1.0 UPnP/1.0 Canon Device Discovery/1.0"
SONY_SERVER = "FedoraCore/2 UPnP/1.0 MINT-X/1.8.1"
MAX_AGE = 1800
#: Seconds between repeated ``ssdp:alive`` bursts (well inside max-age/2).
RENOTIFY_INTERVAL = 300.0
MAX_ANSWERS_PENDING = 64


def family_for(persona: str) -> str:
    """The advertising family of a persona name (``canon-eos`` and ``canon`` → canon-eos,
    ``sony*`` → sony, ``nikon*`` → nikon, anything else → generic)."""
    name = persona.strip().lower()
    for family in ("canon", "sony", "nikon"):
        if name.startswith(family):
            return "canon-eos" if family == "canon" else family
    return "generic"


@dataclass(frozen=True, slots=True)
class Advertisement:
    """What to announce: a PTP/IP responder at ``host``:``port`` and who it is."""

    family: str
    host: str
    port: int
    name: str = "ptpkit camera"
    manufacturer: str = "ptpkit"
    model: str = "Emulated Camera"
    guid: bytes = b"\0" * 16
    serial: str = ""

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"unknown advertising family {self.family!r}")
        if len(self.guid) != 16:
            raise ValueError("a GUID is 16 bytes")

    @property
    def mac(self) -> str:
        """A MAC-like tail for UPnP UUIDs, from the GUID."""
        return self.guid[-6:].hex().upper()


class Advertiser:
    """A running announcement; :meth:`close` withdraws it."""

    summary: str = ""

    async def start(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


# -- DNS-SD --------------------------------------------------------------------------------


def _nikon_host_label(seq: str, address: str) -> str:
    octets = address.split(".")
    if len(octets) == 4 and all(o.isdigit() for o in octets):
        return f"{seq}-" + "-".join(f"{int(o):03d}" for o in octets)
    return f"{seq}-ptpkit"


class DnsSdAdvertiser(Advertiser):
    def __init__(self, ad: Advertisement) -> None:
        self.ad = ad
        self._aiozc: Any = None
        self._info: Any = None

    def txt(self, seq: str) -> dict[str, str]:
        guid = str(uuid.UUID(bytes=self.ad.guid))
        if self.ad.family == "nikon":  # the keys a Z 9 sends (dialects.md §7.2)
            return {
                "guid": guid,
                "vid": "A",
                "pid": "450",
                "seq": seq,
                "ver": "1",
                "apps": "NCWC",
                "grpn": "NX",
            }
        return {
            "guid": guid,
            "seq": seq,
            "ver": "1",
            "mfr": self.ad.manufacturer,
            "mdl": self.ad.model,
        }

    async def start(self) -> None:
        from zeroconf import InterfaceChoice, IPVersion
        from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

        ifaces = interfaces_for(self.ad.host)
        addresses = [i.address for i in ifaces if not i.loopback] or [i.address for i in ifaces]
        choice: Any = InterfaceChoice.All if is_wildcard(self.ad.host) else [self.ad.host]
        seq = f"{random.getrandbits(32):08X}"
        self._aiozc = AsyncZeroconf(interfaces=choice, ip_version=IPVersion.V4Only)
        self._info = AsyncServiceInfo(
            PTP_SERVICE_TYPE,
            f"{self.ad.name}.{PTP_SERVICE_TYPE}",
            addresses=[socket.inet_aton(a) for a in addresses],
            port=self.ad.port,
            properties=self.txt(seq),
            server=_nikon_host_label(seq, addresses[0]) + ".local.",
        )
        try:
            await (await self._aiozc.async_register_service(self._info, allow_name_change=True))
        except BaseException:
            await self._aiozc.async_close()
            raise
        where = ", ".join(addresses)
        self.summary = f'dns-sd {PTP_SERVICE_TYPE} "{self._info.name}" on {where}'

    async def close(self) -> None:
        if self._aiozc is None:
            return
        try:
            with contextlib.suppress(Exception):  # the goodbye packets
                await (await self._aiozc.async_unregister_service(self._info))
        finally:
            await self._aiozc.async_close()
            self._aiozc = None


# -- SSDP ----------------------------------------------------------------------------------


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, owner: SsdpAdvertiser) -> None:
        self.owner = owner

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.owner.on_datagram(data, (str(addr[0]), int(addr[1])))

    def error_received(self, exc: Exception) -> None:
        log.debug("SSDP socket error: %s", exc)


class SsdpAdvertiser(Advertiser):
    def __init__(self, ad: Advertisement) -> None:
        self.ad = ad
        if ad.family == "canon-eos":
            self.uuid = CANON_UUID_PREFIX + ad.mac
            self.server = CANON_SERVER
            self.path = "/upnp/CameraDevDesc.xml"
            types = [CANON_EOS_SERVICE]
            device_type = "urn:schemas-upnp-org:device:Basic:1"
        else:
            self.uuid = SONY_UUID_PREFIX + ad.mac
            self.server = SONY_SERVER
            self.path = "/upnp/DeviceDescription.xml"
            types = [SONY_MTP_DEVICE, SONY_MTP_SERVICE]
            device_type = SONY_MTP_DEVICE
        self.targets = [ROOT_DEVICE, f"uuid:{self.uuid}", *types]
        self.description = DeviceDescription(
            friendly_name=ad.name,
            manufacturer=ad.manufacturer,
            model_name=ad.model,
            udn=f"uuid:{self.uuid}",
            device_type=device_type,
            serial_number=ad.serial,
            services=tuple(t for t in types if ":service:" in t),
        ).encode()
        self.extra = Headers(() if ad.port == PTPIP_PORT else ((PTPIP_PORT_HEADER, str(ad.port)),))
        self._ifaces: list[Interface] = []
        self._sock: socket.socket | None = None
        # Unicast answers to M-SEARCH leave from the advertised address (the multicast
        # socket is bound to 0.0.0.0: its answers would leave from the interface's first
        # address, and a browser would take the camera to be there).
        self._answer_socks: dict[str, socket.socket] = {}
        self._transport: asyncio.DatagramTransport | None = None
        self._http: asyncio.Server | None = None
        self._http_port = 0
        self._tasks: set[asyncio.Task[None]] = set()

    def usn(self, target: str) -> str:
        own = f"uuid:{self.uuid}"
        return own if target == own else f"{own}::{target}"

    def location(self, iface: Interface) -> str:
        return f"http://{iface.address}:{self._http_port}{self.path}"

    def notify(self, target: str, nts: str, iface: Interface) -> bytes:
        return Notify(
            nt=target,
            nts=nts,
            usn=self.usn(target),
            location=self.location(iface) if nts == ALIVE else None,
            server=self.server if nts == ALIVE else None,
            max_age=MAX_AGE if nts == ALIVE else None,
            extra=self.extra if nts == ALIVE else Headers(),
        ).encode()

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._ifaces = interfaces_for(self.ad.host)
        bind = None if is_wildcard(self.ad.host) else self.ad.host
        self._http = await asyncio.start_server(self._serve_http, bind, 0)
        self._http_port = int(self._http.sockets[0].getsockname()[1])
        try:
            self._sock = multicast_socket(self._ifaces)
            self._transport, _ = await loop.create_datagram_endpoint(
                lambda: _Datagrams(self), sock=self._sock
            )
        except BaseException:
            await self._close_sockets()
            raise
        self._spawn(self._announce())
        where = ", ".join(i.address for i in self._ifaces)
        self.summary = f"ssdp {self.targets[-1]} {self.uuid} on {where}"

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _send(self, data: bytes, address: tuple[str, int], iface: Interface | None) -> None:
        if self._sock is None:
            return
        try:
            if iface is not None:
                set_sending_interface(self._sock, iface)
            self._sock.sendto(data, address)
        except OSError as exc:  # e.g. an interface without multicast
            log.debug("SSDP send to %s: %s", address, exc)

    def _burst(self, nts: str) -> None:
        for iface in self._ifaces:
            for target in self.targets:
                self._send(self.notify(target, nts, iface), (SSDP_GROUP, SSDP_PORT), iface)

    async def _announce(self) -> None:
        for delay in (0.0, 0.5, 1.5):  # UDP may lose one: announce three times first
            await asyncio.sleep(delay)
            self._burst(ALIVE)
        while True:
            await asyncio.sleep(RENOTIFY_INTERVAL)
            self._burst(ALIVE)

    def on_datagram(self, data: bytes, peer: tuple[str, int]) -> None:
        if not data.startswith(b"M-SEARCH"):
            return
        try:
            request = SearchRequest.decode(data)
        except DecodeError:
            return
        st = request.st.strip()
        if st.lower() == SEARCH_ALL:
            matches = list(self.targets)
        else:
            matches = [t for t in self.targets if t.lower() == st.lower()]
        if not matches or len(self._tasks) >= MAX_ANSWERS_PENDING:
            return
        iface = interface_for_peer(self._ifaces, peer[0])
        if iface is None:
            return
        wait = random.uniform(0, min(float(request.mx or 0), 1.0))
        self._spawn(self._answer(matches, peer, iface, wait))

    async def _answer(
        self, targets: list[str], peer: tuple[str, int], iface: Interface, wait: float
    ) -> None:
        await asyncio.sleep(wait)
        for target in targets:
            response = SearchResponse(
                st=target,
                usn=self.usn(target),
                location=self.location(iface),
                server=self.server,
                max_age=MAX_AGE,
                extra=self.extra,
            )
            self._send_answer(response.encode(), peer, iface)

    def _send_answer(self, data: bytes, peer: tuple[str, int], iface: Interface) -> None:
        sock = self._answer_socks.get(iface.address)
        try:
            if sock is None:
                sock = self._answer_socks[iface.address] = search_socket(iface.address)
            sock.sendto(data, peer)
        except OSError as exc:
            log.debug("SSDP answer to %s: %s", peer, exc)

    async def _serve_http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5.0)
            parts = head.split(b"\r\n", 1)[0].split()
            if len(parts) >= 2 and parts[0] == b"GET" and parts[1].decode() == self.path:
                status, body, kind = "200 OK", self.description, "text/xml; charset=utf-8"
            else:
                status, body, kind = "404 Not Found", b"not found\n", "text/plain"
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
                f"Server: {self.server}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            await asyncio.wait_for(writer.drain(), 5.0)
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError):
            pass
        except asyncio.LimitOverrunError:
            pass
        finally:
            writer.close()

    async def _close_sockets(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        elif self._sock is not None:
            self._sock.close()
        self._sock = None
        for sock in self._answer_socks.values():
            sock.close()
        self._answer_socks.clear()
        if self._http is not None:
            self._http.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._http.wait_closed(), 2.0)
            self._http = None

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._sock is not None:
            self._burst(BYEBYE)
        await self._close_sockets()


# -- entry points --------------------------------------------------------------------------


async def advertise(ad: Advertisement) -> Advertiser:
    """Start announcing ``ad``; call ``close()`` on the result to withdraw it."""
    dns_sd = FAMILIES[ad.family] == "dns-sd"
    advertiser: Advertiser = DnsSdAdvertiser(ad) if dns_sd else SsdpAdvertiser(ad)
    await advertiser.start()
    return advertiser


async def advertise_server(server: EmulatorServer, persona: str = "generic") -> Advertiser:
    """Announce a running emulator as ``persona``'s family does."""
    identity = server.camera.identity
    ad = Advertisement(
        family=family_for(persona),
        host=server.host,
        port=server.port,
        name=identity.friendly_name,
        manufacturer=identity.manufacturer,
        model=identity.model,
        guid=server.guid,
        serial=identity.serial_number,
    )
    return await advertise(ad)
