"""Operation handlers: storages, object listings and ObjectInfo, and the MTP object
properties (GetObjectPropList, listed only with ``mtp``)."""

from __future__ import annotations

from ptpkit.aio.responder_app import Reply
from ptpkit.emulator.camera_core import CameraCore, OperationTable
from ptpkit.emulator.objects import object_props, props_for
from ptpkit.emulator.operations import Initiator, Request, operation
from ptpkit.errors import StoreError
from ptpkit.proto.codes import (
    ALL,
    ROOT,
    MtpOperationCode,
    MtpResponseCode,
    OperationCode,
    ResponseCode,
)
from ptpkit.proto.datasets import ObjectPropList, encode_u16_array, encode_u32_array

__all__ = ["HANDLERS"]

Op = OperationCode


#: This group's operations, in the order DeviceInfo lists them.
HANDLERS: OperationTable = {}


@operation(HANDLERS, Op.GetStorageIDs, "in")
def _get_storage_ids(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    return Reply(data=encode_u32_array(cam.store.storage_ids()))


@operation(HANDLERS, Op.GetStorageInfo, "in")
def _get_storage_info(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    return Reply(data=cam.store.storage_info(req.p(0)).encode())


def _listing(cam: CameraCore, req: Request) -> list[int]:
    storage_id, fmt, parent = req.p(0), req.p(1), req.p(2)
    if storage_id == 0:
        raise StoreError(ResponseCode.InvalidStorageID, "storage 0")
    return cam.store.handles(storage_id, fmt, parent)


@operation(HANDLERS, Op.GetNumObjects)
def _get_num_objects(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    return Reply(params=(len(_listing(cam, req)),))


@operation(HANDLERS, Op.GetObjectHandles, "in")
def _get_object_handles(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    return Reply(data=encode_u32_array(_listing(cam, req)))


@operation(HANDLERS, Op.GetObjectInfo, "in")
def _get_object_info(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    return cam.objects.facts(req.p(0)).info_reply


# -- handlers: MTP object properties (listed only with ``mtp``) -------------------------------
_ALL_PROPS = ALL
_DEPTH_ALL = 0xFFFFFFFF


@operation(HANDLERS, MtpOperationCode.GetObjectPropsSupported, "in", needs="mtp")
def _get_object_props_supported(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    """p1 = object format (0: any) → AUINT16 of the object property codes."""
    return Reply(data=encode_u16_array(props_for(req.p(0))))


def _prop_list_handles(cam: CameraCore, handle: int, depth: int) -> list[int]:
    """The objects GetObjectPropList(handle, depth) is about, parents before children.

    ``handle`` 0xFFFFFFFF: every object (depth does not matter). Otherwise depth 0 is the
    object itself (none for 0, the root), and depth N the objects 1 … N levels below it
    (0xFFFFFFFF: every level); handle 0 stands for the root of every storage.
    """
    store = cam.store
    if handle == ALL:
        return store.handles(ALL, 0, 0)
    if handle != 0:
        store.is_association(handle)  # InvalidObjectHandle when unknown
    if depth == 0:
        return [] if handle == 0 else [handle]
    found: list[int] = []
    level = [ROOT if handle == 0 else handle]
    while level and depth > 0:
        below: list[int] = []
        for parent in level:
            if parent == ROOT or store.is_association(parent):
                below.extend(store.handles(ALL, 0, parent))
        found.extend(below)
        level = below
        depth = depth - 1 if depth != _DEPTH_ALL else depth
    return found


@operation(HANDLERS, MtpOperationCode.GetObjectPropList, "in", needs="mtp")
def _get_object_prop_list(cam: CameraCore, who: Initiator, req: Request) -> Reply:
    """p1 handle (0xFFFFFFFF: all), p2 format (0: any), p3 property (0xFFFFFFFF: all;
    0: by group, which is not supported), p4 group, p5 depth → an ObjectPropList."""
    handle, fmt, prop, group, depth = (req.p(i) for i in range(5))
    if prop == 0:
        code = MtpResponseCode.SpecificationByGroupUnsupported if group else None
        return Reply(code or ResponseCode.ParameterNotSupported)
    if prop != _ALL_PROPS and prop not in props_for(0):
        return Reply(MtpResponseCode.ObjectPropNotSupported)
    facts = [cam.objects.facts(h) for h in _prop_list_handles(cam, handle, depth)]
    if fmt:
        facts = [f for f in facts if f.info.object_format == fmt]
    if prop == _ALL_PROPS:  # the common case: each object's elements are kept encoded
        chunks = [f.props() for f in facts]
        count = sum(n for _, n in chunks)
        data = count.to_bytes(4, "little") + b"".join(chunk for chunk, _ in chunks)
        return Reply(data=data)
    elements = [
        element
        for f in facts
        for element in object_props(f.handle, f.info, f.size)
        if element.prop_code == prop
    ]
    return Reply(data=ObjectPropList(tuple(elements)).encode())
