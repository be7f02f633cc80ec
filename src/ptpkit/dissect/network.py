"""Link, network and transport layers: a captured frame → the TCP segment it carries
(IPv4/IPv6 over Ethernet with VLAN tags, Linux cooked v1/v2, raw IP, BSD loopback/null).
IP fragments are not reassembled (skipped)."""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "SUPPORTED_LINKS",
    "TCP_ACK",
    "TCP_FIN",
    "TCP_RST",
    "TCP_SYN",
    "Segment",
    "ip_packet",
    "tcp_segment",
]

# Link-layer header types (tcpdump.org/linktypes.html); 12 and 14 are DLT_RAW values
# some systems write instead of LINKTYPE_RAW (101).
_LINK_NULL = 0
_LINK_ETHERNET = 1
_LINK_RAW = frozenset({12, 14, 101})
_LINK_LOOP = 108
_LINK_SLL = 113
_LINK_IPV4 = 228
_LINK_IPV6 = 229
_LINK_SLL2 = 276
SUPPORTED_LINKS = frozenset(
    {_LINK_NULL, _LINK_ETHERNET, _LINK_LOOP, _LINK_SLL, _LINK_IPV4, _LINK_IPV6, _LINK_SLL2}
    | _LINK_RAW
)
_ETHERTYPE_IPV4 = 0x0800
_ETHERTYPE_IPV6 = 0x86DD
_ETHERTYPE_VLAN = frozenset({0x8100, 0x88A8, 0x9100})
_IPPROTO_TCP = 6
_IPV6_EXTENSIONS = frozenset({0, 43, 60})  # hop-by-hop, routing, destination options
_IPV6_FRAGMENT = 44
_IPV6_AH = 51

TCP_FIN = 0x01
TCP_SYN = 0x02
TCP_RST = 0x04
TCP_ACK = 0x10


class Segment(NamedTuple):
    src: tuple[bytes, int]
    dst: tuple[bytes, int]
    seq: int
    flags: int
    payload: bytes
    #: Payload length on the wire (from the IP length); more than len(payload) when the
    #: frame was cut by the snapshot length.
    wire_length: int


def ip_packet(link_type: int, data: bytes) -> memoryview | None:
    """The bytes from the IP header on, or None when the frame carries no IP."""
    view = memoryview(data)
    if link_type == _LINK_ETHERNET:
        if len(view) < 14:
            return None
        ethertype = int.from_bytes(view[12:14], "big")
        offset = 14
        while ethertype in _ETHERTYPE_VLAN:
            if len(view) < offset + 4:
                return None
            ethertype = int.from_bytes(view[offset + 2 : offset + 4], "big")
            offset += 4
        return view[offset:] if ethertype in (_ETHERTYPE_IPV4, _ETHERTYPE_IPV6) else None
    if link_type == _LINK_SLL:
        if len(view) < 16 or int.from_bytes(view[14:16], "big") not in (
            _ETHERTYPE_IPV4,
            _ETHERTYPE_IPV6,
        ):
            return None
        return view[16:]
    if link_type == _LINK_SLL2:
        if len(view) < 20 or int.from_bytes(view[0:2], "big") not in (
            _ETHERTYPE_IPV4,
            _ETHERTYPE_IPV6,
        ):
            return None
        return view[20:]
    if link_type in (_LINK_NULL, _LINK_LOOP):
        # A 4-byte address family in host (NULL) or network (LOOP) order; its values
        # for IPv6 differ between systems, so the IP version nibble decides instead.
        return view[4:] if len(view) > 4 else None
    return view  # raw IP, IPv4, IPv6


def tcp_segment(ip: memoryview) -> Segment | None:
    """Parse IPv4/IPv6 + TCP headers; None for anything else or anything too short."""
    if len(ip) < 1:
        return None
    version = ip[0] >> 4
    if version == 4:
        if len(ip) < 20:
            return None
        header = (ip[0] & 0x0F) * 4
        total = int.from_bytes(ip[2:4], "big")
        if ip[9] != _IPPROTO_TCP or header < 20 or int.from_bytes(ip[6:8], "big") & 0x3FFF:
            return None  # not TCP, bad header, or a fragment (not reassembled)
        src_addr, dst_addr = bytes(ip[12:16]), bytes(ip[16:20])
        # Total length 0 happens on captures of segmentation-offloaded packets.
        end = total if total >= header else len(ip)
    elif version == 6:
        if len(ip) < 40:
            return None
        payload_length = int.from_bytes(ip[4:6], "big")
        next_header = ip[6]
        src_addr, dst_addr = bytes(ip[8:24]), bytes(ip[24:40])
        header = 40
        while next_header in _IPV6_EXTENSIONS or next_header == _IPV6_AH:
            if len(ip) < header + 2:
                return None
            ext_length = ip[header + 1]
            size = (ext_length + 2) * 4 if next_header == _IPV6_AH else (ext_length + 1) * 8
            next_header = ip[header]
            header += size
        if next_header != _IPPROTO_TCP:
            return None  # not TCP, or a fragment (not reassembled)
        end = 40 + payload_length if payload_length else len(ip)
    else:
        return None
    tcp = ip[header:end]
    if len(tcp) < 20:
        return None
    data_offset = (tcp[12] >> 4) * 4
    if data_offset < 20 or len(tcp) < data_offset:
        return None
    wire_length = max(0, end - header - data_offset)
    return Segment(
        (src_addr, int.from_bytes(tcp[0:2], "big")),
        (dst_addr, int.from_bytes(tcp[2:4], "big")),
        int.from_bytes(tcp[4:8], "big"),
        tcp[13],
        bytes(tcp[data_offset:]),
        wire_length,
    )
