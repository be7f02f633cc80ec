"""Pictures a capture leaves in the camera's memory, and how the standard object
operations read them (Nikon's SDRAM object 0xFFFF0001, Canon EOS's RequestObjectTransfer
handles, Sony's 0xFFFFC001): the personas share :func:`serve_held_pictures`."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ptpkit.aio.responder_app import Reply
from ptpkit.emulator.camera_core import CameraCore, OperationTable
from ptpkit.emulator.operations import Initiator, OperationSpec, Request, Result
from ptpkit.proto.codes import ObjectFormat, OperationCode, ResponseCode
from ptpkit.proto.datasets import ObjectInfo, format_ptp_datetime

__all__ = ["HeldPicture", "held_object_info", "serve_held_pictures"]

Op = OperationCode


@dataclass(frozen=True, slots=True)
class HeldPicture:
    """A picture held in the camera's memory: its bytes and its ObjectInfo."""

    data: bytes
    info: ObjectInfo


def held_object_info(
    data: bytes,
    filename: str,
    taken: datetime,
    *,
    size: tuple[int, int] | None = None,
    object_format: int = ObjectFormat.EXIF_JPEG,
) -> ObjectInfo:
    """The ObjectInfo of a picture in the camera's memory: storage 0, no parent, dated
    when it was taken (to the second); ``size`` (width, height) for a 24-bit image."""
    stamp = format_ptp_datetime(taken.replace(microsecond=0))
    width, height = size or (0, 0)
    return ObjectInfo(
        storage_id=0,
        object_format=object_format,
        object_compressed_size=len(data),
        image_pix_width=width,
        image_pix_height=height,
        image_bit_depth=24 if size else 0,
        parent_object=0,
        filename=filename,
        capture_date=stamp,
        modification_date=stamp,
    )


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
