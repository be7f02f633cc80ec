"""Dissect PTP/IP traffic in pcap and pcapng captures.

:func:`dissect_capture` reads a capture file, reassembles every TCP connection on the
PTP/IP port, splits each direction into PTP/IP packets with
:class:`~ptpkit.proto.framing.PacketReader`, follows the transactions and decodes the
datasets carried in data phases. It prints nothing: it returns a
:class:`DissectResult` holding one :class:`Record` per PTP/IP packet (and one per
problem found), which the ``ptpkit dissect`` command renders.

What it does that Wireshark's ``ptpip`` dissector does not (reference §1.10): TCP
reassembly (several packets in one segment, one packet over many segments, duplicate,
retransmitted and out-of-order segments), parameters of every packet, and datasets.

Decisions, made here once:

* **Input.** pcap (any byte order, micro- or nanosecond) and pcapng, told apart by their
  magic number and read with dpkt. Link types: Ethernet (with VLAN tags), Linux cooked
  v1 and v2, raw IP, IPv4, IPv6 and BSD loopback/null. pcapng files are read with the
  link type of their first interface. IP fragments are not reassembled (skipped).
* **Streams.** Every TCP connection in the capture, on any port, gets a number in order
  of first appearance starting at 0, so that the numbers match tshark's ``tcp.stream``
  when the capture holds nothing unusual; a SYN on a 4-tuple whose previous connection
  was closed, or with another initial sequence number, starts a new stream. Only
  connections with the PTP/IP port on one side are dissected. The side on that port is
  the responder (if both are, the side that sent the SYN is the initiator).
* **Order.** Records are in capture order: sorted by ``frame``, the 1-based number of
  the capture frame whose TCP segment carries the packet's first byte (after
  reassembly: for a retransmitted or overlapping segment, the copy whose bytes were
  used). Packets that start in the same segment keep their order in the stream.
* **Data phases.** A data phase opens with Start Data and completes at End Data, or at
  the end of the packet in which the announced length is reached, whichever comes
  first; the packet that completes it carries the decoded ``dataset``. A property value
  (Get/SetDevicePropValue) is decoded when a DevicePropDesc for that property came
  earlier in the capture from the same responder (address and port), which also covers
  gphoto2's one-connection-per-run habit. Payloads are
  kept for decoding only for operations whose dataset we know and only up to
  ``max_dataset_size`` (16 MiB); larger phases are counted, not kept.
* **Damage** never raises: a gap in a TCP stream that never fills, a framing error, a
  connection closed or a capture ending inside a packet, or a cut or corrupt capture
  file become records with an ``error`` key, and end only what they must (the one
  direction of one connection, or the rest of the file). Only a file that cannot be
  read at all (missing, not pcap/pcapng, unsupported link type) raises
  :class:`CaptureError`.
* **Vendors.** Codes and data phases are named and decoded the way the responder's
  vendor does, once its DeviceInfo has been seen: see
  :class:`~ptpkit.dissect.datasets.Device`, filled from :mod:`ptpkit.proto.vendors`.

One module per job: :mod:`~ptpkit.dissect.capture` (pcap/pcapng frames),
:mod:`~ptpkit.dissect.network` (link, IP and TCP headers), :mod:`~ptpkit.dissect.reassembly`
(one TCP direction → PTP/IP packets), :mod:`~ptpkit.dissect.transactions` (a connection and
its transactions), :mod:`~ptpkit.dissect.datasets` (data phases decoded, per device and
vendor), :mod:`~ptpkit.dissect.records` (what is returned) and
:mod:`~ptpkit.dissect.dissector` (the whole capture). ``ptpkit dissect`` renders the
result (:mod:`ptpkit.cli.dissect`).
"""

from __future__ import annotations

from ptpkit.dissect.dissector import dissect_capture
from ptpkit.dissect.records import (
    DEFAULT_MAX_DATASET_SIZE,
    DEFAULT_PORT,
    ChannelKind,
    Direction,
    DissectResult,
    Record,
)
from ptpkit.errors import CaptureError

__all__ = [
    "DEFAULT_MAX_DATASET_SIZE",
    "DEFAULT_PORT",
    "CaptureError",
    "ChannelKind",
    "Direction",
    "DissectResult",
    "Record",
    "dissect_capture",
]
