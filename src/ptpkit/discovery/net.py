"""The sockets and addresses discovery needs: this machine's IPv4 interfaces, and UDP
sockets for SSDP multicast on chosen interfaces."""

from __future__ import annotations

import ipaddress
import socket
import struct
from dataclasses import dataclass

from ptpkit.proto.ssdp import SSDP_GROUP, SSDP_PORT

__all__ = [
    "Interface",
    "interface_for_peer",
    "ipv4_interfaces",
    "is_wildcard",
    "multicast_socket",
    "search_socket",
]

WILDCARDS = ("", "0.0.0.0", "::", "*")


@dataclass(frozen=True, slots=True)
class Interface:
    """One IPv4 address of this machine and its network."""

    name: str
    address: str
    prefix: int

    @property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(f"{self.address}/{self.prefix}", strict=False)

    @property
    def loopback(self) -> bool:
        return ipaddress.IPv4Address(self.address).is_loopback


def is_wildcard(host: str) -> bool:
    return host.strip() in WILDCARDS


def ipv4_interfaces(*, loopback: bool = True) -> list[Interface]:
    """Every IPv4 address of this machine (from ``ifaddr``, which zeroconf brings)."""
    import ifaddr

    found: list[Interface] = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if isinstance(ip.ip, str):
                iface = Interface(str(adapter.nice_name), ip.ip, int(ip.network_prefix))
                if loopback or not iface.loopback:
                    found.append(iface)
    return found


def interfaces_for(host: str) -> list[Interface]:
    """The interfaces a server bound to ``host`` is on: all of them for a wildcard
    (loopback last), else the one with that address (or a bare entry for it)."""
    every = ipv4_interfaces()
    if is_wildcard(host):
        return sorted(every, key=lambda i: i.loopback)
    chosen = [i for i in every if i.address == host]
    return chosen or [Interface(host, host, 32)]


def interface_for_peer(interfaces: list[Interface], peer: str) -> Interface | None:
    """Of ``interfaces``, the one on the same network as ``peer`` (or the first)."""
    try:
        address = ipaddress.IPv4Address(peer)
    except ValueError:
        return interfaces[0] if interfaces else None
    for iface in interfaces:
        if address in iface.network:
            return iface
    return interfaces[0] if interfaces else None


def _membership(group: str, interface: str) -> bytes:
    return struct.pack("4s4s", socket.inet_aton(group), socket.inet_aton(interface))


def multicast_socket(interfaces: list[Interface], *, port: int = SSDP_PORT) -> socket.socket:
    """A non-blocking UDP socket on ``port`` (shared with other SSDP programs) that
    receives the SSDP group on ``interfaces`` only, and sends on the first of them."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if hasattr(socket, "IP_MULTICAST_ALL"):  # Linux: only the groups joined here
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_ALL, 0)
        sock.bind(("", port))
        joined = 0
        for iface in interfaces:
            try:
                sock.setsockopt(
                    socket.IPPROTO_IP,
                    socket.IP_ADD_MEMBERSHIP,
                    _membership(SSDP_GROUP, iface.address),
                )
                joined += 1
            except OSError:
                continue  # an interface without multicast
        if not joined:
            raise OSError(f"cannot join {SSDP_GROUP} on any of {[i.address for i in interfaces]}")
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 2)
        if interfaces:
            set_sending_interface(sock, interfaces[0])
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


def search_socket(bind: str = "") -> socket.socket:
    """A non-blocking UDP socket on an ephemeral port, to send M-SEARCH from and get the
    unicast answers on."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    try:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 2)
        sock.bind((bind, 0))
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


def set_sending_interface(sock: socket.socket, iface: Interface) -> None:
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(iface.address))
