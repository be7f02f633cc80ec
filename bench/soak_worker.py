"""One initiator of the soak: ``python -m bench.soak_worker CONFIG.json``.

Connects to the soak's cameras again and again (they restart, drop and misbehave on
purpose) and runs a random mix of operations with ptpkit's client, checking each result
against the source: listings hold every stable file; downloads (whole, resumed after a
cancel, partial reads) and uploads are byte-verified; a delete really deletes; a capture's
picture downloads intact; a property set reads back as an allowed value. Expected client
errors (ConnectionLost, PtpTimeoutError, TransferError, error responses) are counted;
anything that loses or corrupts data is a problem, and so is an unexpected exception type.

The config (written by bench/soak.py) names the cameras (port, card folder, manifest of
the stable files), the download and upload folders, the deadline, and the files that
synchronise the warm-up. The report (JSON) goes where the config says.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ptpkit
from bench.soak_common import (
    UPLOAD_FOLDER,
    error_name,
    expected,
    open_fds,
    rss_kib,
    run,
    sha256_file,
)

#: A bound on one operation, far above the client's own timeouts: passing it is a hang.
OP_BOUND = 120.0  # the config's "op_bound" overrides it
#: Weights of the operations in the mix.
MIX = {
    "list": 6,
    "download": 10,
    "resume": 4,
    "partial": 6,
    "upload": 8,
    "delete": 4,
    "capture": 2,
    "property": 5,
    "cancel": 3,
    "ping": 1,
}
UPLOAD_SIZES = (1_000, 20_000, 200_000, 1_500_000, 4_000_000)
#: Uploads of one initiator kept on a camera at most (more are deleted first), so that
#: the cards, and with them the cameras' memory, stay the same size however long it runs.
KEEP_UPLOADS = 6
KEEP_CAPTURES = 4
CAPTURE_FOLDER = "DCIM/100PTPKT/"


@dataclass
class Cam:
    index: int
    port: int
    root: Path
    manifest: dict[str, dict[str, Any]]  # relative path → size, sha256

    @property
    def storage(self) -> str:
        return "store_00010001"


@dataclass
class Conn:
    """What one connection knows: its camera and the objects of its first listing."""

    camera: Any  # ptpkit Camera
    cam: Cam
    stable: list[Any] = field(default_factory=list)  # CameraObjects of stable files
    upload_folder: Any = None


class Worker:
    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.number = int(config["worker"])
        self.rng = random.Random(config["seed"])
        self.cams = [
            Cam(c["index"], c["port"], Path(c["root"]), c["manifest"]) for c in config["cameras"]
        ]
        self.downloads = Path(config["download_dir"])
        self.upload_dir = Path(config["upload_dir"])
        self.seq = 0
        self.ops: dict[str, Counter[str]] = {name: Counter() for name in MIX}
        self.errors: Counter[str] = Counter()
        self.errors_by_op: Counter[str] = Counter()
        self.unexpected: list[str] = []
        self.problems: list[str] = []
        self.bytes: Counter[str] = Counter()
        self.events: Counter[str] = Counter()
        self.notes: Counter[str] = Counter()
        self.connections = Counter[str]()
        # downloads not verified (yet): file-name prefix → expected sha256
        self.pending: dict[str, str] = {}
        # uploads: "camera/name" → {"sha256", "state": attempted|done|deleting|deleted}
        self.uploads: dict[str, dict[str, Any]] = {}
        self.resumed = 0
        self.captures: list[str] = []  # captured pictures still on the card
        self.samples: dict[str, dict[str, int]] = {}
        self.until = 0.0  # the end of the soak, once it started

    # -- bookkeeping -------------------------------------------------------------------------
    def problem(self, kind: str, text: str) -> None:
        self.problems.append(f"{kind}: worker {self.number}: {text}")

    def note_error(self, exc: BaseException, where: str) -> None:
        name = error_name(exc)
        self.errors[name] += 1
        self.errors_by_op[f"{where}: {name}"] += 1
        if not expected(exc):
            self.unexpected.append(
                f"worker {self.number} ({self.config.get('loop')}): "
                f"{where}: {name}: {str(exc)[:200]}"
            )

    def dest(self, cam: Cam, name: str, sha: str) -> Path:
        """A fresh download destination; its expected content is noted until verified."""
        self.seq += 1
        prefix = f"{self.seq:06d}_"
        folder = self.downloads / f"c{cam.index}"
        folder.mkdir(parents=True, exist_ok=True)
        self.pending[f"c{cam.index}/{prefix}"] = sha
        return folder / f"{prefix}{name}"

    def verify_download(self, path: Path, dest: Path, sha: str, kind: str) -> None:
        key = f"{dest.parent.name}/{dest.name.split('_', 1)[0]}_"
        if sha256_file(path) != sha:
            self.problem("corrupt", f"{kind} {path} does not match its source")
            return
        self.bytes[kind] += path.stat().st_size
        path.unlink()
        self.pending.pop(key, None)

    def sample(self, when: str) -> None:
        gc.collect()
        self.samples[when] = {"fds": open_fds(), "rss_kib": rss_kib()}

    # -- the operations ------------------------------------------------------------------------
    async def op_list(self, conn: Conn) -> None:
        objects = await conn.camera.list_objects(folders=True)
        files = {o.relative_path: o for o in objects if not o.is_folder}
        stable = []
        for rel, meta in conn.cam.manifest.items():
            obj = files.get(rel)
            if obj is None:
                self.problem("lost", f"camera {conn.cam.index}: a listing lacks {rel}")
            elif obj.size != meta["size"]:
                self.problem("corrupt", f"camera {conn.cam.index}: {rel} listed as {obj.size}")
            else:
                stable.append(obj)
        conn.stable = stable
        for obj in objects:
            if obj.is_folder and obj.relative_path == UPLOAD_FOLDER:
                conn.upload_folder = obj

    def pick(self, conn: Conn, *, big: bool = False) -> Any:
        choices = [o for o in conn.stable if not big or o.size >= 1 << 20] or conn.stable
        return self.rng.choice(choices)

    async def op_download(self, conn: Conn) -> None:
        obj = self.pick(conn)
        sha = conn.cam.manifest[obj.relative_path]["sha256"]
        dest = self.dest(conn.cam, obj.name, sha)
        path = await conn.camera.download(obj, dest)
        self.verify_download(Path(path), dest, sha, "download")

    async def op_resume(self, conn: Conn) -> None:
        """A download cancelled part way (task cancellation), then resumed."""
        obj = self.pick(conn, big=True)
        sha = conn.cam.manifest[obj.relative_path]["sha256"]
        dest = self.dest(conn.cam, obj.name, sha)
        cut = self.rng.randint(1, max(1, obj.size - 1))
        task: asyncio.Task[Any] | None = None

        def progress(done: int, total: int | None) -> None:
            if done >= cut and task is not None and not task.done():
                task.cancel()

        task = asyncio.ensure_future(conn.camera.download(obj, dest, progress=progress))
        await settle(task)
        if not task.cancelled():  # done before the cut (or failed: raises)
            self.verify_download(Path(task.result()), dest, sha, "resume")
            return
        self.ops["resume"]["cancelled"] += 1
        if dest.exists():  # a final name after a cancel must hold the whole object
            self.verify_download(dest, dest, sha, "resume")
            return
        part = [p for p in dest.parent.glob(f"{dest.name}*") if ".part" in p.name]
        path = await conn.camera.download(obj, dest)
        if part:
            self.resumed += 1
        self.verify_download(Path(path), dest, sha, "resume")

    async def op_partial(self, conn: Conn) -> None:
        obj = self.pick(conn)
        offset = self.rng.randrange(obj.size)
        length = self.rng.randint(1, min(obj.size - offset, 2 << 20))
        data = await conn.camera.get_partial_object(obj.handle, offset, length)
        with (conn.cam.root / obj.relative_path).open("rb") as f:
            f.seek(offset)
            want = f.read(length)
        if data != want:
            self.problem("corrupt", f"GetPartialObject of {obj.relative_path} at {offset}")
            return
        self.bytes["partial"] += len(data)

    async def op_upload(self, conn: Conn) -> None:
        size = self.rng.choice(UPLOAD_SIZES) + self.rng.randrange(1000)
        data = self.rng.randbytes(size)
        self.seq += 1
        name = f"w{self.number}_{self.seq:06d}.bin"
        local = self.upload_dir / name
        local.write_bytes(data)
        record = {"sha256": hashlib.sha256(data).hexdigest(), "state": "attempted"}
        self.uploads[f"{conn.cam.index}/{name}"] = record
        folder = conn.upload_folder or f"/{conn.cam.storage}/{UPLOAD_FOLDER}"
        on_card = conn.cam.root / UPLOAD_FOLDER / name
        try:
            obj = await conn.camera.upload(local, folder, name=name)
        except Exception:
            # Whole on the card although the call failed (the answer was lost, or the
            # client failed after the upload): it is ours to delete later. A part of it
            # under its name would be found by the final check.
            if on_card.exists() and sha256_file(on_card) == record["sha256"]:
                record["state"] = "done"
                self.notes["complete uploads whose call failed"] += 1
            raise
        finally:
            local.unlink()
        if not on_card.exists() or on_card.read_bytes() != data:
            self.problem("lost", f"upload {name} reported done, not on the card intact")
            return
        if obj.size != size:
            self.problem("corrupt", f"upload {name}: the camera says {obj.size} bytes")
        record["state"] = "done"
        self.bytes["upload"] += size

    def own_uploads(self, cam: Cam) -> list[str]:
        return [
            key
            for key, up in self.uploads.items()
            if up["state"] == "done" and key.startswith(f"{cam.index}/")
        ]

    async def op_delete(self, conn: Conn) -> None:
        mine = self.own_uploads(conn.cam)
        if not mine:
            await self.op_upload(conn)
            return
        key = self.rng.choice(mine)
        name = key.split("/", 1)[1]
        record = self.uploads[key]
        try:
            obj = await conn.camera.find(f"/{conn.cam.storage}/{UPLOAD_FOLDER}/{name}")
        except ptpkit.NotFoundError:
            if not (conn.cam.root / UPLOAD_FOLDER / name).exists():
                record["state"] = "vanished"  # reported as lost at the end
            raise
        record["state"] = "deleting"  # from here on, it may be gone
        await conn.camera.delete(obj)
        if (conn.cam.root / UPLOAD_FOLDER / name).exists():
            self.problem("corrupt", f"delete of {name} reported done, the file is still there")
        record["state"] = "deleted"

    async def op_capture(self, conn: Conn) -> None:
        objects = await conn.camera.capture(10.0)
        if not objects:
            self.problem("lost", "a capture reported no picture")
        for obj in objects:
            if not obj.relative_path.startswith(CAPTURE_FOLDER):
                # another initiator's upload, taken for this capture's picture
                self.problem("corrupt", f"capture() returned {obj.relative_path}: no capture")
                continue
            try:
                sha = sha256_file(conn.cam.root / obj.relative_path)
            except FileNotFoundError:
                continue  # another initiator moved it to its computer meanwhile
            dest = self.dest(conn.cam, obj.name, sha)
            path = await conn.camera.download(obj, dest)
            self.verify_download(Path(path), dest, sha, "capture")
            self.captures.append(obj.relative_path)
        while len(self.captures) > KEEP_CAPTURES:  # moved to the computer: cards stay small
            rel = self.captures.pop(0)
            try:
                await conn.camera.delete(f"/{conn.cam.storage}/{rel}")
            except ptpkit.NotFoundError:
                pass  # claimed, and deleted, by another initiator's capture() too

    async def op_property(self, conn: Conn) -> None:
        desc = await conn.camera.describe_property("whitebalance")
        allowed = desc.form.values
        await conn.camera.set_property("whitebalance", self.rng.choice(allowed))
        value = await conn.camera.get_property("whitebalance")
        if value not in allowed:
            self.problem("corrupt", f"WhiteBalance reads back as {value!r}")

    async def op_cancel(self, conn: Conn) -> None:
        """A listing or a download cancelled at a random moment; the session goes on."""
        dest: Path | None = None
        if self.rng.random() < 0.5:
            work: Awaitable[Any] = conn.camera.list_objects()
        else:
            obj = self.pick(conn, big=True)
            sha = conn.cam.manifest[obj.relative_path]["sha256"]
            dest = self.dest(conn.cam, obj.name, sha)
            work = conn.camera.download(obj, dest)
        task = asyncio.ensure_future(work)
        await asyncio.wait({task}, timeout=self.rng.uniform(0, 0.05))
        task.cancel()
        await settle(task)
        if task.cancelled():
            self.ops["cancel"]["cancelled"] += 1
        else:
            result = task.result()  # finished first (or failed: raises)
            if dest is not None:
                self.verify_download(Path(result), dest, sha, "download")
        await conn.camera.get_storage_ids()  # still usable

    async def op_ping(self, conn: Conn) -> None:
        await conn.camera.ping()

    # -- the loop ------------------------------------------------------------------------------
    async def bounded(self, name: str, fn: Callable[[Conn], Awaitable[None]], conn: Conn) -> bool:
        """Run one operation and count its outcome; False when it hung (and was
        abandoned: the connection is then closed)."""
        self.ops[name]["tried"] += 1
        started = time.time()
        task = asyncio.ensure_future(fn(conn))
        bound = float(self.config.get("op_bound", OP_BOUND))
        if self.until:  # past the end, an operation gets 30 s more at most
            bound = min(bound, max(5.0, self.until + 30 - time.time()))
        done, _ = await asyncio.wait({task}, timeout=bound)
        if not done:
            where = await_chain(task)
            task.cancel()
            await asyncio.wait({task}, timeout=30)
            self.ops[name]["failed"] += 1
            self.errors["hang"] += 1
            self.unexpected.append(
                f"worker {self.number} ({self.config.get('loop')}): "
                f"{name}: no result within {bound:g} s "
                f"(from {time.strftime('%H:%M:%S', time.localtime(started))}), waiting in {where}"
            )
            return False
        if task.cancelled():
            self.ops[name]["failed"] += 1
            self.note_error(asyncio.CancelledError(), name)
            return True
        exc = task.exception()
        if exc is None:
            self.ops[name]["ok"] += 1
            return True
        self.ops[name]["failed"] += 1
        self.note_error(exc, name)
        return True

    async def consume_events(self, camera: Any) -> None:
        try:
            async for event in camera.events():
                self.events[event.name] += 1
        except Exception as exc:  # the stream ends with the connection's error
            if not expected(exc):
                self.note_error(exc, "events")

    async def session(self, cam: Cam, until: float, *, all_ops: bool = False) -> None:
        """One connection: connect, list, then a random run of operations."""
        try:
            camera = await ptpkit.connect(
                "127.0.0.1",
                cam.port,
                guid=bytes([self.number + 1]) * 16,
                name=f"soak {self.number}",
                handshake_timeout=15.0,
                response_timeout=30.0,
                connect_timeout=5.0,
            )
        except Exception as exc:
            self.connections["failed"] += 1
            self.note_error(exc, "connect")
            await asyncio.sleep(self.rng.uniform(0.05, 0.5))
            return
        self.connections["made"] += 1
        conn = Conn(camera, cam)
        events = asyncio.ensure_future(self.consume_events(camera))
        try:
            alive = await self.bounded("list", self.op_list, conn)
            names = list(MIX) if all_ops else []
            if not all_ops:
                weights = list(MIX.values())
                names = self.rng.choices(list(MIX), weights, k=self.rng.randint(5, 40))
            for chosen in names:
                if not alive or time.time() >= until or not camera.is_connected:
                    break
                if not conn.stable:
                    break
                name = chosen
                if name == "upload" and len(self.own_uploads(cam)) >= KEEP_UPLOADS:
                    name = "delete"
                alive = await self.bounded(name, getattr(self, f"op_{name}"), conn)
        finally:
            try:
                await asyncio.wait_for(camera.close(), 15)
            except Exception as exc:
                self.note_error(exc, "close")
            events.cancel()
            await asyncio.gather(events, return_exceptions=True)

    async def main(self) -> None:
        config = self.config
        # warm-up: every operation once on each camera, then the mix for a while (no faults)
        for cam in self.cams:
            await self.session(cam, time.time() + 300, all_ops=True)
        warm_until = time.time() + float(config.get("warmup_seconds", 0))
        while time.time() < warm_until:
            await self.session(self.rng.choice(self.cams), warm_until)
        self.sample("start")
        Path(config["warm_file"]).touch()
        go = Path(config["go_file"])
        limit = time.time() + 300
        while not go.exists() and time.time() < limit:
            await asyncio.sleep(0.05)
        until = self.until = float(go.read_text() or 0)
        while time.time() < until:
            await self.session(self.rng.choice(self.cams), until)
        await asyncio.sleep(0.2)  # let closed transports go
        self.sample("end")

    def report(self) -> dict[str, Any]:
        return {
            "worker": self.number,
            "ops": {k: dict(v) for k, v in self.ops.items()},
            "errors": dict(self.errors),
            "errors_by_op": dict(self.errors_by_op),
            "unexpected": self.unexpected,
            "problems": self.problems,
            "bytes": dict(self.bytes),
            "events": dict(self.events),
            "notes": dict(self.notes),
            "connections": dict(self.connections),
            "resumed": self.resumed,
            "pending": self.pending,
            "uploads": self.uploads,
            "samples": self.samples,
        }


def await_chain(task: asyncio.Future[Any]) -> str:
    """Where a task waits: the chain of coroutines it is suspended in."""
    places = []
    coro: Any = task.get_coro() if isinstance(task, asyncio.Task) else None
    while coro is not None:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is not None:
            places.append(f"{Path(frame.f_code.co_filename).name}:{frame.f_lineno}")
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    return " > ".join(places) or "?"


async def settle(task: asyncio.Future[Any]) -> None:
    """Wait for ``task`` to end without taking its result (nor its cancellation)."""
    try:
        await asyncio.wait({task})
    finally:
        if not task.done():  # we are cancelled ourselves: take it along
            task.cancel()


def main() -> None:
    config = json.loads(Path(sys.argv[1]).read_text())
    worker = Worker(config)
    try:
        run(worker.main(), config.get("loop", "asyncio"))
    finally:
        Path(config["report"]).write_text(json.dumps(worker.report(), indent=1))


if __name__ == "__main__":
    main()
