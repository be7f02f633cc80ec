"""ptpkit: PTP/IP (ISO 15740 over TCP/IP) for Python.

A sans-IO protocol core (:mod:`ptpkit.proto`), an asyncio initiator with a synchronous
facade, a camera emulator, and the ``ptpkit`` command line.

    async with ptpkit.connect("192.168.1.10") as camera:
        for obj in await camera.list_objects(object_format="jpeg"):
            await camera.download(obj, "photos/")

The blocking equivalent is :func:`ptpkit.sync.connect`. ``await ptpkit.discover()``
lists the cameras on the local network (``async for`` gives each as it answers).
"""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any

from ptpkit.errors import (
    CameraStateError,
    ConnectError,
    ConnectionLost,
    InitFailError,
    ProtocolError,
    PtpError,
    PtpResponseError,
    PtpTimeoutError,
    RemoteProtocolError,
    TransportError,
)
from ptpkit.proto.codes import DevicePropCode, EventCode, ObjectFormat, OperationCode, ResponseCode
from ptpkit.proto.datasets import DeviceInfo, DevicePropDesc, ObjectInfo, StorageInfo

if TYPE_CHECKING:
    from ptpkit.aio.client import (
        DEFAULT_PORT,
        Camera,
        CameraEvent,
        CameraObject,
        EventsDropped,
        EventStream,
        FujiCamera,
        NotFoundError,
        Storage,
        TransferError,
        connect,
    )
    from ptpkit.discovery import FoundCamera, discover

#: Names served from :mod:`ptpkit.aio.client`, imported on first use so that
#: ``import ptpkit.proto`` (the sans-IO core) never loads asyncio or sockets.
_CLIENT_NAMES = frozenset(
    {
        "DEFAULT_PORT",
        "Camera",
        "CameraEvent",
        "CameraObject",
        "EventStream",
        "EventsDropped",
        "FujiCamera",
        "NotFoundError",
        "Storage",
        "TransferError",
        "connect",
    }
)


#: Served from :mod:`ptpkit.discovery` (asyncio, zeroconf), likewise on first use.
_DISCOVERY_NAMES = frozenset({"FoundCamera", "discover"})


def __getattr__(name: str) -> Any:
    if name in _CLIENT_NAMES:
        from ptpkit.aio import client

        value = getattr(client, name)
        globals()[name] = value
        return value
    if name in _DISCOVERY_NAMES:
        from ptpkit import discovery

        value = getattr(discovery, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ptpkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _CLIENT_NAMES | _DISCOVERY_NAMES)


__all__ = [
    "DEFAULT_PORT",
    "Camera",
    "CameraEvent",
    "CameraObject",
    "CameraStateError",
    "ConnectError",
    "ConnectionLost",
    "DeviceInfo",
    "DevicePropCode",
    "DevicePropDesc",
    "EventCode",
    "EventStream",
    "EventsDropped",
    "FoundCamera",
    "FujiCamera",
    "InitFailError",
    "NotFoundError",
    "ObjectFormat",
    "ObjectInfo",
    "OperationCode",
    "ProtocolError",
    "PtpError",
    "PtpResponseError",
    "PtpTimeoutError",
    "RemoteProtocolError",
    "ResponseCode",
    "Storage",
    "StorageInfo",
    "TransferError",
    "TransportError",
    "__version__",
    "connect",
    "discover",
]
