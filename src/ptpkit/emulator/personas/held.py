"""Pictures a capture leaves in the camera's memory, and how the standard object
operations read them (Nikon's SDRAM object 0xFFFF0001, Canon EOS's RequestObjectTransfer
handles, Sony's 0xFFFFC001): the personas share :func:`serve_held_pictures`."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any

from ptpkit.aio.responder_app import Reply
from ptpkit.emulator.camera_core import CameraCore, OperationTable
from ptpkit.emulator.operations import Initiator, OperationSpec, Request, Result
from ptpkit.proto.codes import OperationCode, ResponseCode
from ptpkit.proto.datasets import ObjectInfo

__all__ = ["HeldPicture", "serve_held_pictures"]

Op = OperationCode


@dataclass(frozen=True, slots=True)
class HeldPicture:
    """A picture held in the camera's memory: its bytes and its ObjectInfo."""

    data: bytes
    info: ObjectInfo


#: The held picture of a handle; None for a handle that is not in memory (the standard
#: handler answers it). A memory handle with nothing held raises StoreError.
Finder = Callable[[CameraCore, int], "HeldPicture | None"]


def serve_held_pictures(
    table: OperationTable,
    find: Finder,
    codes: Iterable[int] = (Op.GetObjectInfo, Op.GetObject, Op.GetPartialObject),
    *,
    after_read: Callable[[CameraCore], Callable[[], Coroutine[Any, Any, None]]] | None = None,
) -> None:
    """Replace the handlers of ``codes`` in ``table`` by ones that answer the pictures
    ``find`` finds from memory, and hand every other handle to the handler they replace.
    GetThumb of a held picture: NoThumbnailPresent. ``after_read``: what runs once a
    GetObject of a held picture was sent."""
    for code in codes:
        standard = table[code]

        def handler(
            cam: CameraCore,
            who: Initiator,
            req: Request,
            code: int = code,
            standard: OperationSpec[CameraCore] = standard,
        ) -> Result:
            held = find(cam, req.p(0))
            if held is None:
                return standard.handler(cam, who, req)
            if code == Op.GetObjectInfo:
                return Reply(data=held.info.encode())
            if code == Op.GetThumb:
                return Reply(ResponseCode.NoThumbnailPresent)
            if code == Op.GetPartialObject:
                offset, count = req.p(1), req.p(2)
                if offset > len(held.data):
                    return Reply(ResponseCode.InvalidParameter)
                piece = held.data[offset : offset + count]
                return Reply(params=(len(piece),), data=piece)
            return Reply(data=held.data, after=after_read(cam) if after_read else None)

        table[code] = OperationSpec(code, handler, standard.data, standard.session, standard.needs)
