"""SO_RCVLOWAT on the command socket during a data-in phase: the connection asks the
kernel not to wake it for fewer bytes than the phase still owes (up to
:data:`_RCVLOWAT`), so that a download is read in large pieces.

A mixin of :class:`~ptpkit.aio.connection.Connection`; it only reads the session and the
command socket.
"""

from __future__ import annotations

import asyncio
import socket

from ptpkit.aio.channel import _ChannelProtocol
from ptpkit.aio.sessions import ClientSession
from ptpkit.proto.events import Channel
from ptpkit.proto.state import TransactionState

_DATA_IN = TransactionState.DATA_IN

#: During a data-in phase, the command socket wakes us for no less than this (or what the
#: phase still owes): SO_RCVLOWAT (see _LowWaterMark._tune_rcvlowat).
_RCVLOWAT = 256 << 10
_RCVLOWAT_CHECK = 0.1  # a data phase stalled this long below the mark: wake for any byte
#: Only a phase that still owes this much waits for a mark; for less, every byte wakes us.
#: A camera writing without TCP_NODELAY (Nagle) holds its next small write until what it
#: sent is acknowledged; a small packet that does not reach the mark is not read, hence
#: acknowledged only by the delayed-ACK timer, 40 ms later (issue 12: a listing's
#: GetObjectInfo, its Data header written apart from its payload).
_RCVLOWAT_FROM = 64 << 10


class _LowWaterMark:
    """The SO_RCVLOWAT tuning of :class:`~ptpkit.aio.connection.Connection`."""

    _session: ClientSession
    _channels: dict[Channel, _ChannelProtocol]
    _loop: asyncio.AbstractEventLoop | None
    _closing: bool
    # SO_RCVLOWAT of the command socket (0: it cannot be set here), the check that puts
    # it back to 1 when a data phase stops short, and the bytes owed at the last check.
    _rcvlowat: int
    _rcvlowat_check: asyncio.TimerHandle | None
    _rcvlowat_owed: int | None

    def _tune_rcvlowat(self) -> None:
        """Ask the kernel not to wake us for fewer bytes than a data-in phase still owes,
        up to _RCVLOWAT (SO_RCVLOWAT on the command socket); outside one, for any byte.

        Each wake-up costs a read and a pass through the session, however little it
        brings; with many initiators on one camera (the emulator), being woken for every
        64 KiB segment also preempts the camera's own sending, which then falls behind.
        Only what is certainly coming is waited for: a Cancel of ours sets the mark back
        to 1 at once (the phase stops at a packet boundary); a phase that stops short on
        the camera's side (its own Cancel, a broken camera) is caught by a check every
        _RCVLOWAT_CHECK s, which wakes us for any byte again when nothing came."""
        session = self._session
        owed = session.data_phase_remaining
        want = (
            min(owed, _RCVLOWAT)
            if owed and owed >= _RCVLOWAT_FROM and session.transaction is _DATA_IN
            else 1
        )
        if want != self._rcvlowat:
            self._set_rcvlowat(want)

    def _set_rcvlowat(self, value: int) -> None:
        protocol = self._channels.get(Channel.COMMAND)
        sock = None if protocol is None else protocol.sock
        try:
            if sock is None:
                raise OSError("no socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, value)
        except (OSError, AttributeError, ValueError):  # not on this platform or loop
            self._rcvlowat = 0
            return
        self._rcvlowat = value
        if value > 1 and self._rcvlowat_check is None:
            self._watch_rcvlowat()

    def _watch_rcvlowat(self) -> None:
        assert self._loop is not None
        self._rcvlowat_owed = self._session.data_phase_remaining
        self._rcvlowat_check = self._loop.call_later(_RCVLOWAT_CHECK, self._check_rcvlowat)

    def _check_rcvlowat(self) -> None:
        self._rcvlowat_check = None
        if self._rcvlowat <= 1 or self._closing:
            return
        if self._session.data_phase_remaining == self._rcvlowat_owed:
            self._set_rcvlowat(1)  # nothing came: what did may be all there is
        else:
            self._watch_rcvlowat()
