"""``ptpkit.emulator.serve``: an emulated PTP/IP camera over folders, in-process.

::

    async with ptpkit.emulator.serve(["card/"], writable=True) as server:
        print(server.address)            # ("127.0.0.1", 40123): port 0 picked a free one
        ...                              # point any PTP/IP initiator at it
        server.inject_event(EventCode.StoreFull, (0x00010001,))

The server binds 127.0.0.1 unless told otherwise and is read-only unless ``writable``.
``ptpkit serve`` is the same thing on the command line.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable
from typing import Any

from ptpkit.aio.fuji_server import FujiServer
from ptpkit.aio.server import InitiatorLink, PtpipServer, ServerOptions
from ptpkit.emulator.camera_core import CameraCore
from ptpkit.emulator.device import CameraIdentity
from ptpkit.emulator.faults import Faults
from ptpkit.emulator.folder_store import FolderStore
from ptpkit.emulator.no_storage import NoStorage
from ptpkit.emulator.operations import Initiator
from ptpkit.emulator.personas import DEFAULT_PERSONA, Persona, get_persona
from ptpkit.emulator.personas.fuji import fuji_data_directions
from ptpkit.emulator.properties import DeviceProperties
from ptpkit.proto.codes import TID_NONE

__all__ = ["EmulatorServer", "serve"]

DEFAULT_PORT = 15740


class EmulatorServer:
    """A running emulated camera: its address, its camera and storage, and test hooks.

    An async context manager (``async with``); :meth:`start` / :meth:`close` for manual
    control and :meth:`serve_forever` for the command line.
    """

    def __init__(
        self,
        store: FolderStore | NoStorage,
        camera: CameraCore,
        options: ServerOptions,
        persona: str = DEFAULT_PERSONA,
        server: PtpipServer[Initiator] | None = None,
    ) -> None:
        self.store = store
        self.camera = camera
        #: The name of the persona the camera plays.
        self.persona = persona
        self.options = options
        # The responder: standard PTP/IP, or a persona's own (Fujifilm's three ports).
        self._server: PtpipServer[Initiator] = server or PtpipServer(camera, options)
        self._closed = asyncio.Event()

    # -- address --------------------------------------------------------------------------
    @property
    def host(self) -> str:
        return self._server.host

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def address(self) -> tuple[str, int]:
        return self._server.address

    @property
    def ports(self) -> tuple[int, ...]:
        """Every port listened on: one for PTP/IP; command, event and live view for
        Fujifilm's variant."""
        server = self._server
        return server.ports if isinstance(server, FujiServer) else (server.port,)

    @property
    def guid(self) -> bytes:
        return self.camera.guid

    # -- state and test hooks ---------------------------------------------------------------
    @property
    def sessions(self) -> int:
        """How many initiators are connected (handshake complete)."""
        return self._server.sessions

    @property
    def links(self) -> list[InitiatorLink]:
        return self._server.links

    def inject_event(self, code: int, params: Iterable[int] = (), tid: int = TID_NONE) -> None:
        """Send a PTP event (any code, up to 3 parameters) to every connected initiator,
        the way the camera's persona delivers its own (on the event channel, or queued
        for a vendor GetEvent poll)."""
        self.camera.inject_event(code, tuple(params), tid)

    # -- lifecycle ------------------------------------------------------------------------
    async def start(self) -> EmulatorServer:
        await self._server.start()
        return self

    async def close(self) -> None:
        """Stop accepting, end every session, stop background work, drop pending uploads."""
        self._server.close()
        await self._server.wait_closed()
        await self.camera.aclose()
        self.store.close()
        self._closed.set()

    async def serve_forever(self) -> None:
        """Wait until :meth:`close` is called."""
        await self._closed.wait()

    async def __aenter__(self) -> EmulatorServer:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"<EmulatorServer {self.host}:{self.port} sessions={self.sessions}>"


def serve(
    dirs: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    writable: bool = False,
    allow_format: bool = False,
    persona: str | Persona = DEFAULT_PERSONA,
    name: str | None = None,
    manufacturer: str | None = None,
    model: str | None = None,
    serial_number: str = "",
    guid: bytes | None = None,
    allow_guids: Iterable[bytes] | None = None,
    max_sessions: int | None = None,
    faults: Faults | None = None,
    data_chunk_size: int = 1 << 20,
    probe_interval: float | None = None,
    rescan_interval: float | None = 2.0,
    thumbnails: bool = True,
    properties: DeviceProperties | None = None,
    mtp: bool = False,
    join_writes: bool = True,
    **store_options: Any,
) -> EmulatorServer:
    """An emulated PTP/IP camera serving ``dirs`` (one storage per folder; none: a camera
    without storage, as a body in remote mode).

    Use it as ``async with serve(...) as server``. ``port`` 0 picks a free port (see
    ``server.port``). ``persona`` is the camera family played (a name of
    :data:`~ptpkit.emulator.personas.PERSONAS`: ``"generic"``, ``"nikon"``...);
    ``name``, ``manufacturer`` and ``model`` replace its identity's. ``writable``
    allows uploads, deletion, move, copy, protection and captures (and lists those
    operations); ``allow_format`` also allows FormatStore.
    ``allow_guids``: only these initiator GUIDs are accepted, others get Init Fail
    reason 1; ``max_sessions``: one more initiator gets Init Fail reason 2. ``faults``
    injects misbehaviour (:class:`~ptpkit.emulator.faults.Faults`). ``data_chunk_size``
    bounds the payload of one Data packet. ``probe_interval`` probes idle initiators
    (they are never dropped for not answering). ``rescan_interval`` (seconds, None = never)
    is how often the folders are checked for outside changes while initiators are
    connected (and they are checked whenever an initiator connects). ``mtp`` offers MTP's
    GetObjectPropList and GetObjectPropsSupported, which list a whole card in one
    transaction. It is off by default, so that the emulator stays the generic PTP camera
    the gphoto2 interop notes describe (they warn that MTP operations invite MTP paths;
    gphoto2 2.5.30 ignores them while VendorExtensionID is 0, and passes every interop
    test with them listed), and ptpkit's own client lists it object by object.
    ``join_writes`` (the default) writes what is ready at once (a small transaction's
    whole answer) in one TCP segment; ``join_writes=False`` writes each packet on its own,
    two system calls more per transaction, so that tshark, which decodes only the first
    PTP/IP packet of a segment, sees every packet. Other keyword arguments go to
    :class:`~ptpkit.emulator.folder_store.FolderStore`.
    """
    if isinstance(dirs, (str, os.PathLike)):
        dirs = [dirs]
    roots = [os.fspath(d) for d in dirs]
    faults = faults or Faults()
    played = get_persona(persona)  # an unknown name fails before anything is opened
    options_of_store = {**played.store_options, **store_options}
    store: FolderStore | NoStorage = (
        FolderStore(roots, writable=writable, thumbnails=thumbnails, **options_of_store)
        if roots
        else NoStorage()  # no folder: a camera without storage (a body in remote mode)
    )
    base = played.identity
    identity = CameraIdentity(
        friendly_name=base.friendly_name if name is None else name,
        manufacturer=base.manufacturer if manufacturer is None else manufacturer,
        model=base.model if model is None else model,
        device_version=base.device_version,
        serial_number=serial_number or base.serial_number,
        guid=guid if guid is not None else base.guid,
    )
    camera = played.make_camera(
        store,
        identity=identity,
        properties=properties,
        writable=writable,
        allow_format=allow_format,
        faults=faults,
        rescan_interval=rescan_interval,
        mtp=mtp,
    )
    options = ServerOptions(
        host=host,
        port=port,
        allow_guids=frozenset(allow_guids) if allow_guids is not None else None,
        max_sessions=max_sessions,
        data_chunk_size=data_chunk_size,
        probe_interval=probe_interval,
        faults=faults,
        join_writes=join_writes,
    )
    server: PtpipServer[Initiator] | None = None
    if played.transport == "fuji":
        server = FujiServer(
            camera, options, data_directions=fuji_data_directions(played.operations)
        )
    return EmulatorServer(store, camera, options, played.name, server)
