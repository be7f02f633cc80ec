"""Find cameras: DNS-SD ``_ptp._tcp`` (python-zeroconf) and SSDP (M-SEARCH for the Canon
EOS and Sony service types, plus the NOTIFYs that arrive meanwhile), merged so that each
camera is reported once.

::

    cameras = await ptpkit.discover(timeout=3)          # a list
    async for camera in ptpkit.discover(timeout=3):     # each one as soon as it answers
        print(camera.describe())

Malformed answers and multicast noise are ignored, never raised.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator
from contextlib import AsyncExitStack
from typing import Any
from urllib.parse import urlsplit

from ptpkit.discovery.net import (
    Interface,
    interfaces_for,
    ipv4_interfaces,
    multicast_socket,
    search_socket,
    set_sending_interface,
)
from ptpkit.discovery.records import (
    PTP_SERVICE_TYPE,
    PTPIP_PORT_HEADER,
    FoundCamera,
    from_dns_sd,
    from_ssdp,
)
from ptpkit.errors import DecodeError
from ptpkit.proto.ssdp import (
    SEARCH_TARGETS,
    SSDP_GROUP,
    SSDP_PORT,
    DeviceDescription,
    Notify,
    SearchRequest,
    SearchResponse,
    classify,
    decode_message,
    usn_uuid,
)

__all__ = ["Discovery", "discover", "fetch_description"]

log = logging.getLogger(__name__)

Emit = Callable[[FoundCamera], None]
#: Most SSDP devices looked at (description fetched) in one run: a bound on a flood.
MAX_PENDING = 256
DESCRIPTION_TIMEOUT = 1.5
MAX_DESCRIPTION = 1 << 16


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, on_datagram: Callable[[bytes, str], None]) -> None:
        self._on_datagram = on_datagram

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        try:
            self._on_datagram(data, str(addr[0]))
        except Exception:  # pragma: no cover - never let noise stop the loop
            log.debug("ignoring a datagram from %s", addr, exc_info=True)

    def error_received(self, exc: Exception) -> None:
        log.debug("SSDP socket error: %s", exc)


async def fetch_description(location: str, peer: str) -> DeviceDescription | None:
    """GET the device description at ``location`` (plain HTTP, only from ``peer``, the
    address the advertisement came from); None on any failure."""
    try:
        url = urlsplit(location)
        if url.scheme.lower() != "http" or url.hostname != peer:
            return None
        port = url.port or 80
        path = url.path or "/"
        if url.query:
            path += "?" + url.query
    except ValueError:
        return None
    try:
        data = await asyncio.wait_for(_http_get(peer, port, path), DESCRIPTION_TIMEOUT)
    except (OSError, asyncio.TimeoutError, ValueError, UnicodeError):
        return None
    head, sep, body = data.partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0].split()
    if not sep or len(status) < 2 or status[1] != b"200":
        return None
    try:
        return DeviceDescription.decode(body[:MAX_DESCRIPTION])
    except DecodeError:
        return None


async def _http_get(host: str, port: int, path: str) -> bytes:
    """A plain HTTP/1.0 GET: the whole answer, at most ``MAX_DESCRIPTION`` + 8 KiB."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        request = f"GET {path} HTTP/1.0\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n"
        writer.write(request.encode("ascii"))
        data = b""
        limit = MAX_DESCRIPTION + 8192
        while len(data) < limit:
            more = await reader.read(limit - len(data))
            if not more:
                break
            data += more
        return data
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


class _DnsSdBrowser:
    """Browse ``_ptp._tcp`` and resolve each service found."""

    def __init__(self, emit: Emit, interfaces: list[str] | None) -> None:
        self._emit = emit
        self._interfaces = interfaces
        self._tasks: set[asyncio.Task[None]] = set()
        self._aiozc: Any = None
        self._browser: Any = None

    async def __aenter__(self) -> _DnsSdBrowser:
        from zeroconf import InterfaceChoice, IPVersion
        from zeroconf.asyncio import AsyncServiceBrowser, AsyncZeroconf

        self._loop = asyncio.get_running_loop()
        choice: Any = self._interfaces if self._interfaces else InterfaceChoice.All
        self._aiozc = AsyncZeroconf(interfaces=choice, ip_version=IPVersion.V4Only)
        try:
            self._browser = AsyncServiceBrowser(
                self._aiozc.zeroconf, [PTP_SERVICE_TYPE], handlers=[self._on_change]
            )
        except BaseException:
            await self._aiozc.async_close()
            raise
        return self

    def _on_change(self, **kwargs: Any) -> None:
        from zeroconf import ServiceStateChange

        if kwargs.get("state_change") in (ServiceStateChange.Added, ServiceStateChange.Updated):
            name = str(kwargs.get("name"))
            self._loop.call_soon_threadsafe(self._start_resolve, name)

    def _start_resolve(self, name: str) -> None:
        if len(self._tasks) >= MAX_PENDING:
            return
        task = self._loop.create_task(self._resolve(name))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _resolve(self, name: str) -> None:
        from zeroconf import IPVersion
        from zeroconf.asyncio import AsyncServiceInfo

        info = AsyncServiceInfo(PTP_SERVICE_TYPE, name)
        try:
            if not await info.async_request(self._aiozc.zeroconf, 2000):
                return
            camera = from_dns_sd(
                name, info.parsed_addresses(IPVersion.V4Only), info.port or 0, info.properties
            )
        except Exception:  # a malformed record: noise
            log.debug("cannot resolve %s", name, exc_info=True)
            return
        if camera is not None:
            self._emit(camera)

    async def __aexit__(self, *exc_info: object) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        try:
            if self._browser is not None:
                await self._browser.async_cancel()
        finally:
            await self._aiozc.async_close()


class _SsdpBrowser:
    """M-SEARCH on every interface for the camera service types; listen for NOTIFY."""

    def __init__(self, emit: Emit, interfaces: list[str] | None) -> None:
        self._emit = emit
        if interfaces:
            self._ifaces = [i for a in interfaces for i in interfaces_for(a)]
        else:
            self._ifaces = ipv4_interfaces()
        self._transports: list[asyncio.DatagramTransport] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._seen: set[tuple[str, str]] = set()

    async def __aenter__(self) -> _SsdpBrowser:
        self._loop = asyncio.get_running_loop()
        senders: list[tuple[asyncio.DatagramTransport, Interface]] = []
        try:
            for iface in self._ifaces:
                try:
                    sock = search_socket(iface.address)
                    set_sending_interface(sock, iface)
                except OSError as exc:
                    log.debug("no SSDP search on %s: %s", iface.address, exc)
                    continue
                transport = await self._endpoint(sock)
                senders.append((transport, iface))
            try:
                self._endpoint_sock = multicast_socket(self._ifaces)
            except OSError as exc:
                log.debug("not listening for SSDP NOTIFY: %s", exc)
            else:
                await self._endpoint(self._endpoint_sock)
        except BaseException:
            self._close_transports()
            raise
        self._spawn(self._search(senders))
        return self

    async def _endpoint(self, sock: socket.socket) -> asyncio.DatagramTransport:
        try:
            transport, _ = await self._loop.create_datagram_endpoint(
                lambda: _Datagrams(self._on_datagram), sock=sock
            )
        except BaseException:
            sock.close()
            raise
        self._transports.append(transport)
        return transport

    async def _search(self, senders: list[tuple[asyncio.DatagramTransport, Interface]]) -> None:
        requests = [SearchRequest(st, mx=1).encode() for st in SEARCH_TARGETS]
        for delay in (0.0, 0.4, 1.2):  # UDP: repeat, as UPnP suggests
            await asyncio.sleep(delay)
            for transport, iface in senders:
                for request in requests:
                    try:
                        transport.sendto(request, (SSDP_GROUP, SSDP_PORT))
                    except OSError as exc:
                        log.debug("M-SEARCH on %s: %s", iface.address, exc)

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[None] = self._loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_datagram(self, data: bytes, peer: str) -> None:
        try:
            message = decode_message(data)
        except DecodeError:
            return
        if not isinstance(message, (Notify, SearchResponse)) or not message.alive:
            return
        kind = classify(message.target, message.usn, message.server)
        if kind is None:
            return
        key = (peer, usn_uuid(message.usn) or message.usn)
        if key in self._seen or len(self._seen) >= MAX_PENDING:
            return
        self._seen.add(key)
        self._spawn(self._resolve(peer, message))

    async def _resolve(self, peer: str, message: Notify | SearchResponse) -> None:
        description = None
        if message.location:
            description = await fetch_description(message.location, peer)
        kind = classify(
            message.target,
            message.usn,
            message.server,
            description.manufacturer if description else None,
        )
        if kind is None:  # pragma: no cover - classified before
            return
        port_header = message.extra.get(PTPIP_PORT_HEADER)
        self._emit(from_ssdp(peer, message.usn, kind, description, port_header))

    def _close_transports(self) -> None:
        for transport in self._transports:
            transport.close()
        self._transports.clear()

    async def __aexit__(self, *exc_info: object) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._close_transports()


class Discovery:
    """One discovery run of ``timeout`` seconds: ``await`` it for a list, or iterate
    over it with ``async for`` to get each camera as soon as it answers.

    ``dns_sd`` / ``ssdp`` choose the mechanisms; ``interfaces`` limits the run to these
    IPv4 addresses of this machine (default: all).
    """

    def __init__(
        self,
        timeout: float = 3.0,
        *,
        dns_sd: bool = True,
        ssdp: bool = True,
        interfaces: list[str] | None = None,
    ) -> None:
        if timeout < 0:
            raise ValueError("timeout must not be negative")
        self.timeout = timeout
        self.dns_sd = dns_sd
        self.ssdp = ssdp
        self.interfaces = interfaces

    def __aiter__(self) -> AsyncIterator[FoundCamera]:
        return self._run()

    def __await__(self) -> Generator[Any, None, list[FoundCamera]]:
        return self.collect().__await__()

    async def collect(self) -> list[FoundCamera]:
        """Every camera found within the timeout."""
        found: list[FoundCamera] = []
        run = self._run()
        try:
            async for camera in run:
                found.append(camera)
        finally:
            await run.aclose()
        return found

    async def _run(self) -> AsyncGenerator[FoundCamera, None]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        queue: asyncio.Queue[FoundCamera] = asyncio.Queue()
        seen: set[tuple[str, ...]] = set()
        async with AsyncExitStack() as stack:
            if self.dns_sd:
                await stack.enter_async_context(_DnsSdBrowser(queue.put_nowait, self.interfaces))
            if self.ssdp:
                await stack.enter_async_context(_SsdpBrowser(queue.put_nowait, self.interfaces))
            while True:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                try:
                    camera = await asyncio.wait_for(queue.get(), remaining)
                except asyncio.TimeoutError:
                    break
                keys = {
                    ("at", camera.address, str(camera.port)),
                    ("id", camera.via, camera.ident or camera.name),
                }
                if keys & seen:
                    continue
                seen |= keys
                yield camera


def discover(
    timeout: float = 3.0,
    *,
    dns_sd: bool = True,
    ssdp: bool = True,
    interfaces: list[str] | None = None,
) -> Discovery:
    """Look for PTP/IP cameras for ``timeout`` seconds.

    ``await ptpkit.discover()`` gives a list of :class:`FoundCamera`;
    ``async for camera in ptpkit.discover()`` gives each one as soon as it answers.
    """
    return Discovery(timeout, dns_sd=dns_sd, ssdp=ssdp, interfaces=interfaces)
