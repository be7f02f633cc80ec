"""The whole ptpkit exception tree.

PtpError
├── ProtocolError                 the PTP/IP or PTP rules were broken
│   ├── LocalProtocolError        ... by us (a bug in the caller, or an illegal move)
│   └── RemoteProtocolError       ... by the peer; carries the response code to answer with
│       ├── DecodeError           bytes that do not decode (truncated, malformed, over a cap)
│       │   └── BufferReadError   a read past the end of a buffer
│       └── MissingParameterError an OK response without a parameter the operation needs
├── PtpResponseError              the responder answered an operation with a code other than OK
│   ├── NotSupportedError         ... or would have: DeviceInfo does not list the operation
│   └── CameraStateError          ... because of the mode it is in; says what to change
├── InitFailError                 the responder refused the connection (Init Fail + reason)
├── BadValueError                 a property value that is not allowed or not understood
├── CaptureTimeoutError           a capture produced no new object in time (the link is fine)
└── TransportError                the link itself failed (raised by the I/O adapters only)
    ├── ConnectError              could not connect
    ├── PtpTimeoutError           a deadline passed (handshake, response, probe)
    └── ConnectionLost            the peer closed or reset a connection
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "BadValueError",
    "BufferReadError",
    "CameraStateError",
    "CaptureError",
    "CaptureTimeoutError",
    "ConnectError",
    "ConnectionLost",
    "DecodeError",
    "InitFailError",
    "LocalProtocolError",
    "MissingParameterError",
    "NotFoundError",
    "NotSupportedError",
    "PropertyError",
    "ProtocolError",
    "PtpError",
    "PtpResponseError",
    "PtpTimeoutError",
    "RefusedOperation",
    "RemoteProtocolError",
    "StoreError",
    "TransferError",
    "TransportError",
    "shorten",
]


def shorten(text: str, limit: int = 120) -> str:
    """``text`` cut in the middle to at most ``limit`` characters: what a camera names
    (files, folders, a 2,000-deep path) goes into messages this way."""
    if len(text) <= limit:
        return text
    keep = limit - 1
    return text[: keep // 2] + "\u2026" + text[len(text) - (keep - keep // 2) :]


class PtpError(Exception):
    """Base class of every error ptpkit raises on purpose."""


class ProtocolError(PtpError):
    """The PTP/IP or PTP rules were broken, by one side or the other."""


class LocalProtocolError(ProtocolError):
    """We (the caller of the sans-IO core) tried something the protocol does not allow."""


class RemoteProtocolError(ProtocolError):
    """The peer broke the protocol.

    ``response_code_hint`` is the PTP response code a responder should answer with
    (e.g. 0x2004 InvalidTransactionID), or ``None`` when the only sane answer is to close
    the connection.
    """

    def __init__(self, message: str, *, response_code_hint: int | None = None) -> None:
        super().__init__(message)
        self.response_code_hint = response_code_hint


class DecodeError(RemoteProtocolError):
    """Bytes that cannot be decoded: truncated, malformed, or beyond a size cap."""


class BufferReadError(DecodeError):
    """A read past the end of a :class:`ptpkit.proto.buffer.Buffer`."""


class MissingParameterError(RemoteProtocolError):
    """The camera answered OK but left out a response parameter the caller needs (the new
    handle of CopyObject, ...): never read as a silent 0."""


class PtpResponseError(PtpError):
    """The responder answered an operation with a response code other than OK (0x2001)."""

    def __init__(
        self,
        code: int,
        *,
        operation: int | None = None,
        params: tuple[int, ...] = (),
    ) -> None:
        from ptpkit.proto.codes import code_name  # local import keeps errors.py dependency-free

        self.code = code
        self.name = code_name("response", code)
        self.operation = operation
        self.params = params
        where = f" to {code_name('operation', operation)}" if operation is not None else ""
        super().__init__(f"camera answered {self.name} (0x{code:04X}){where}")


class NotSupportedError(PtpResponseError):
    """The camera does not list the operation in its DeviceInfo, so it was not sent:
    "this camera does not support uploading (SendObjectInfo)". Its ``code`` is
    OperationNotSupported (0x2005), as the camera would have answered."""

    def __init__(self, operation: int, what: str) -> None:
        from ptpkit.proto.codes import code_name

        super().__init__(0x2005, operation=operation)
        self.what = what
        self.args = (f"this camera does not support {what} ({code_name('operation', operation)})",)


class CameraStateError(PtpResponseError):
    """The camera refused an operation because of the mode or state it is in (a Fujifilm
    body not set to accept a computer, a focus that failed); ``advice`` says what to do."""

    def __init__(
        self,
        code: int,
        advice: str,
        *,
        operation: int | None = None,
        params: tuple[int, ...] = (),
    ) -> None:
        super().__init__(code, operation=operation, params=params)
        self.advice = advice
        self.args = (f"{self.args[0]}: {advice}",)


_INIT_FAIL_WORDS = {
    1: "the camera rejected this computer (not paired, or its GUID is not allowed)",
    2: "the camera is busy (too many connections)",
    3: "the camera refused the connection for an unspecified reason",
    0x2019: "the camera is busy or in the wrong state (Fujifilm: 0x2019)",
    0x201D: "the camera rejected the protocol version (Fujifilm: 0x201D)",
}


class InitFailError(PtpError):
    """The responder answered the Init handshake with Init Fail."""

    def __init__(self, reason: int) -> None:
        self.reason = reason
        words = _INIT_FAIL_WORDS.get(reason, "the camera refused the connection")
        super().__init__(f"{words} (Init Fail reason {reason})")


class NotFoundError(PtpError, LookupError):
    """No object, folder, storage or property matches what was asked for."""


class CaptureTimeoutError(PtpError):
    """A capture did not complete in time: no new object appeared (by event or in the
    listing). The link itself is fine, unlike :class:`PtpTimeoutError`."""


class TransferError(PtpError):
    """A transfer ended with the wrong number of bytes, or, of several downloads, some
    failed: ``failures`` holds ``(object path, error)`` for each."""

    def __init__(
        self, message: str = "", *, failures: Sequence[tuple[str, BaseException]] = ()
    ) -> None:
        self.failures = list(failures)
        super().__init__(message)


class BadValueError(PtpError, ValueError):
    """A device-property value that is not understood, or not among the values the camera
    allows; found before anything is sent. ``allowed`` lists the allowed values in words
    (empty when the camera gives no list)."""

    def __init__(self, message: str, allowed: Sequence[str] = ()) -> None:
        self.allowed = tuple(allowed)
        super().__init__(message)


class CaptureError(PtpError):
    """A capture file cannot be read at all: missing, not pcap/pcapng, unsupported."""


class RefusedOperation(PtpError):
    """The emulator must answer the operation under way with response ``code``."""

    def __init__(self, code: int, message: str = "") -> None:
        from ptpkit.proto.codes import code_name

        self.code = code
        self.name = code_name("response", code)
        text = f"{self.name} (0x{code:04X})"
        super().__init__(f"{text}: {message}" if message else text)


class StoreError(RefusedOperation):
    """A storage operation failed. ``handles`` lists the objects that *were* removed when
    a deletion was partial (PartialDeletion)."""

    def __init__(self, code: int, message: str = "", *, handles: Sequence[int] = ()) -> None:
        super().__init__(code, message)
        self.handles = tuple(handles)


class PropertyError(RefusedOperation):
    """A device-property operation that must be answered with ``code``."""


class TransportError(PtpError):
    """The link failed; raised by the I/O adapters, never by the sans-IO core."""


class ConnectError(TransportError):
    """Could not establish a connection to the peer."""


class PtpTimeoutError(TransportError):
    """A deadline passed: handshake, response or probe."""


class ConnectionLost(TransportError):
    """The peer closed or reset one of the connections."""
