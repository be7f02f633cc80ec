"""Errors in words: what went wrong when connecting, said the way a user can act on.

The connection keeps the first bytes a camera sends before the handshake completes;
when the handshake fails they tell a web server ("HOST:PORT does not speak PTP/IP (it
sent 'HTTP/1.1 400 Bad Request')") or a Fujifilm camera (its own framing after the Ack,
or its port 55740) from a camera that simply closed the connection or never answered.
A host name that does not resolve is said in words, not as "Unknown error -2".
"""

from __future__ import annotations

import socket
import struct

from ptpkit.errors import (
    ConnectError,
    ConnectionLost,
    InitFailError,
    LocalProtocolError,
    ProtocolError,
    PtpError,
    PtpTimeoutError,
)
from ptpkit.proto.codes import PacketType, code_name

__all__ = [
    "FUJIFILM_PORT",
    "HANDSHAKE_BYTES_KEPT",
    "connect_error",
    "handshake_error",
    "timeout_error",
]

#: The command port of Fujifilm's PTP/IP variant (dialects.md §5.1).
FUJIFILM_PORT = 55740
#: How much of what the camera sends before the handshake completes is kept for errors.
HANDSHAKE_BYTES_KEPT = 256

_FUJI_HINT = (
    "this looks like a Fujifilm camera, which speaks its own PTP/IP dialect: "
    'connect with dialect="fujifilm" (ptpkit --dialect fujifilm)'
)
#: The Init Fail reason Fujifilm bodies give the standard Init Command Request.
_FUJI_INIT_FAIL = 0x201D
_INIT_REPLIES = (int(PacketType.InitCommandAck), int(PacketType.InitFail))
_HEADER = struct.Struct("<II")
_FUJI_HEADER = struct.Struct("<IHHI")  # length, kind, code, transaction id


def connect_error(host: str, port: int, exc: OSError, words: str) -> ConnectError:
    """A failed TCP connect: a name that does not resolve is said so."""
    if isinstance(exc, socket.gaierror):
        reason = exc.strerror or str(exc)
        return ConnectError(
            f"cannot find the camera {host!r}: the name does not resolve ({reason})"
        )
    return ConnectError(f"cannot connect to {host}:{port}: {words}")


def _shown(data: bytes) -> str:
    """The start of what a peer sent: its first line as text when it is text, else hex."""
    head = data[:64]
    line = head.split(b"\r", 1)[0].split(b"\n", 1)[0]
    printable = sum(32 <= b < 127 for b in line)
    if len(line) >= 4 and printable == len(line):
        text = line.decode("ascii")
        more = len(line) < len(data)
        return f"it sent {text + (' …' if more else '')!r}"
    return "it sent the bytes " + head[:16].hex(" ") + (" …" if len(data) > 16 else "")


def _looks_fujifilm(data: bytes) -> bool:
    """Packets in Fujifilm's framing (``u32 length, u16 kind 1-4, u16 code, u32 id``)."""
    if len(data) < _FUJI_HEADER.size:
        return False
    length, kind, code, _ = _FUJI_HEADER.unpack_from(data, 0)
    return bool(12 <= length <= 1 << 20 and 1 <= kind <= 4 and 0x1000 <= code <= 0xDFFF)


def _split_init_reply(data: bytes) -> tuple[bool, bytes]:
    """(whether ``data`` starts with a PTP/IP Init Command Ack or Init Fail, what follows)."""
    if len(data) < _HEADER.size:
        return len(data) == 0, b""  # too little to judge: not "another protocol"
    length, ptype = _HEADER.unpack_from(data, 0)
    if ptype not in _INIT_REPLIES or not _HEADER.size <= length <= 4096:
        return False, b""
    return True, data[length:]


def handshake_error(
    error: PtpError, *, host: str, port: int, received: bytes, acked: bool
) -> PtpError:
    """The error to raise for a handshake that failed with ``error``, in words.

    ``received`` is the start of what came on the command connection; ``acked`` says
    whether the camera's Init Command Ack had arrived.
    """
    where = f"{host}:{port}"
    fuji_port = port == FUJIFILM_PORT
    looks_ptpip, after_ack = _split_init_reply(received)
    if not looks_ptpip:
        if _looks_fujifilm(received):
            return ConnectError(f"{where} answered in Fujifilm's framing: {_FUJI_HINT}")
        return ConnectError(f"{where} does not speak PTP/IP ({_shown(received)})")
    if after_ack and _looks_fujifilm(after_ack):
        return ConnectError(
            f"{where} acknowledged, then went on in Fujifilm's framing: {_FUJI_HINT}"
        )
    hint = f"; {_FUJI_HINT}" if fuji_port else ""
    if isinstance(error, InitFailError) and error.reason == _FUJI_INIT_FAIL:
        hint = f"; {_FUJI_HINT}"  # a Fujifilm body's answer to the standard handshake
    if isinstance(error, InitFailError):
        return _init_fail_with_hint(error, hint) if hint else error
    if isinstance(error, ConnectionLost):
        step = " after its Init Command Ack" if acked else ""
        return ConnectionLost(
            f"the camera closed the connection during the handshake{step} ({where}){hint}"
        )
    if isinstance(error, ProtocolError) and not isinstance(error, LocalProtocolError):
        return ConnectError(f"{where} broke the PTP/IP handshake: {error}{hint}")
    if isinstance(error, PtpTimeoutError) and hint:
        return PtpTimeoutError(f"{error}{hint}")
    return error


def _init_fail_with_hint(error: InitFailError, hint: str) -> InitFailError:
    better = InitFailError(error.reason)
    better.args = (f"{error}{hint}",)
    return better


def timeout_error(
    what: str, *, handshake_timeout: float | None, operation: int, timeout: float | None
) -> PtpTimeoutError:
    """A deadline of the session passed (``TimedOut.what``), in words."""
    if what == "handshake":
        return PtpTimeoutError(
            f"no answer to the PTP/IP handshake within {handshake_timeout or 0:g} s "
            "(a camera pairing for the first time may be waiting for its owner to confirm)"
        )
    if what == "probe":
        return PtpTimeoutError("the camera stopped answering probes: the link is dead")
    name = code_name("operation", operation)
    within = f" within {timeout:g} s" if timeout is not None else " in time"
    if what == "data":
        return PtpTimeoutError(
            f"the data phase of {name} made no progress{within.replace('within', 'for')}: "
            "the camera stalled"
        )
    return PtpTimeoutError(f"no response to {name}{within}")
