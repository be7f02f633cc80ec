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
    from ptpkit.proto.codes import (
        DevicePropCode,
        EventCode,
        ObjectFormat,
        OperationCode,
        ResponseCode,
    )
    from ptpkit.proto.datasets import DeviceInfo, DevicePropDesc, ObjectInfo, StorageInfo

#: Names served from other modules, imported on first use: ``import ptpkit.proto`` (the
#: sans-IO core) never loads asyncio or sockets, and a command that needs neither the
#: client nor the code tables (``ptpkit --help``) does not pay for them.
_LAZY_NAMES: dict[str, str] = {
    **dict.fromkeys(
        (
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
        ),
        "ptpkit.aio.client",
    ),
    **dict.fromkeys(
        ("DevicePropCode", "EventCode", "ObjectFormat", "OperationCode", "ResponseCode"),
        "ptpkit.proto.codes",
    ),
    **dict.fromkeys(
        ("DeviceInfo", "DevicePropDesc", "ObjectInfo", "StorageInfo"), "ptpkit.proto.datasets"
    ),
    # ptpkit.discovery: asyncio and zeroconf
    **dict.fromkeys(("FoundCamera", "discover"), "ptpkit.discovery"),
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY_NAMES.get(name)
    if module_name is not None:
        import importlib

        value = getattr(importlib.import_module(module_name), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ptpkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY_NAMES))


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
