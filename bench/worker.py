"""The client side of every benchmark, in a process of its own:
``python -m bench.worker '{"case": "download", ...}'``.

Each case connects (untimed), times only the work being measured, and prints one JSON
line per measurement. With ``"sync": true`` the worker prints ``{"ready": ...}`` once
connected and then runs one measurement per ``go`` line on stdin (``quit`` ends it), so
that many workers start together. ``"profile": PATH`` wraps the timed part in cProfile.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

MiB = 1 << 20


def emit(**fields: Any) -> None:
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def now() -> float:
    """A clock shared by every process on the machine (CLOCK_MONOTONIC)."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


@contextlib.contextmanager
def profiled(path: str | None) -> Iterator[None]:
    if not path:
        yield
        return
    prof = cProfile.Profile()
    prof.enable()
    try:
        yield
    finally:
        prof.disable()
        prof.dump_stats(path)


def connect(spec: dict[str, Any], port: int | None = None) -> Any:
    import ptpkit

    return ptpkit.connect(
        spec.get("host", "127.0.0.1"),
        port if port is not None else spec["port"],
        guid=os.urandom(16),
        name=f"bench-{os.getpid()}",
        response_timeout=600.0,
        probe_interval=None,
    )


async def find(camera: Any, name: str) -> Any:
    for obj in await camera.list_objects():
        if obj.name == name:
            return obj
    raise LookupError(f"no {name} on the camera")


async def partial_download(camera: Any, obj: Any, dest: Path, chunk: int) -> int:
    """GetPartialObject in ``chunk`` pieces, the way gphoto2 downloads."""
    size = obj.size
    done = 0
    with dest.open("wb") as out:
        while done < size:
            want = min(chunk, size - done)
            got = await camera.get_partial_object(obj.handle, done, want, out)
            if got <= 0:
                break
            done += got
    return done


async def download_once(camera: Any, obj: Any, dest: Path, mode: str, chunk: int) -> int:
    if mode == "partial":
        return await partial_download(camera, obj, dest, chunk)
    await camera.download(obj, dest)
    return dest.stat().st_size


async def wait_go() -> bool:
    line: str = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    return line.strip() == "go"


# -- cases -------------------------------------------------------------------------------
async def case_download(spec: dict[str, Any]) -> None:
    mode = spec.get("mode", "object")
    chunk = int(spec.get("chunk", MiB))
    dest = Path(spec["dest"])
    async with connect(spec) as camera:
        obj = await find(camera, spec["name"])
        if spec.get("sync"):
            emit(ready=os.getpid())
        rounds = 0
        repeat = int(spec.get("repeat", 1))
        while (rounds < repeat) if not spec.get("sync") else await wait_go():
            # "times": downloads in a row per measurement (one initiator moving as many
            # bytes as a crowd of them does at once)
            # (to files of their own, as the crowd writes files of its own)
            times = int(spec.get("times", 1))
            dests = [dest] + [
                dest.with_name(f"{dest.stem}-{j}{dest.suffix}") for j in range(1, times)
            ]
            got = 0
            with profiled(spec.get("profile")):
                start = now()
                for target in dests:
                    got += await download_once(camera, obj, target, mode, chunk)
                end = now()
            size = dest.stat().st_size
            if spec.get("sync"):
                for target in dests:
                    target.unlink()
            emit(start=start, end=end, seconds=end - start, bytes=got, file_bytes=size)
            rounds += 1


async def case_upload(spec: dict[str, Any]) -> None:
    src = Path(spec["src"])
    async with connect(spec) as camera:
        await camera.storages()
        for _ in range(int(spec.get("repeat", 1))):
            with profiled(spec.get("profile")):
                start = now()
                obj = await camera.upload(src)
                end = now()
            size = obj.size
            await camera.delete(obj)
            emit(seconds=end - start, bytes=src.stat().st_size, object_size=size)


async def case_list(spec: dict[str, Any]) -> None:
    if spec.get("quickack") is False:  # the bench's "before" figure of a Nagle camera
        import ptpkit.aio.channel

        ptpkit.aio.channel._TCP_QUICKACK = None
    async with connect(spec) as camera:
        with profiled(spec.get("profile")):
            for _ in range(int(spec.get("repeat", 1))):
                start = now()
                objects = await camera.list_objects(folders=True)
                end = now()
        folders = sum(1 for o in objects if o.is_folder)
        result: dict[str, Any] = {
            "seconds": end - start,
            "objects": len(objects),
            "folders": folders,
            "files": len(objects) - folders,
        }
        if spec.get("ops"):
            # The bare protocol loop underneath: GetObjectHandles, then GetObjectInfo each.
            for _ in range(int(spec.get("repeat", 1))):
                start = now()
                handles = await camera.get_object_handles(0xFFFFFFFF, 0, 0)
                for handle in handles:
                    await camera.get_object_info(handle)
                end = now()
            result["ops_seconds"] = end - start
            result["ops_transactions"] = len(handles) + 1
        if spec.get("bulk"):
            result.update(await bulk_listing(camera))
    emit(**result)


async def _transactions(camera: Any, work: Awaitable[Any]) -> tuple[Any, int]:
    """``work``'s result and how many transactions it took (by the transaction ids of
    a GetDeviceInfo just before and just after)."""
    before = (await camera.transaction(0x1001)).transaction_id
    result = await work
    after = (await camera.transaction(0x1001)).transaction_id
    return result, after - before - 1


async def bulk_listing(camera: Any) -> dict[str, Any]:
    """Listing a whole card with MTP GetObjectPropList (0x9805), when the camera has it:
    ``list_objects()`` when the client uses it there (a handful of transactions), else the
    bare transaction and ObjectPropList.decode."""
    if not camera.supports(0x9805):
        return {"bulk_error": "the emulator does not list GetObjectPropList (0x9805)"}
    start = now()
    objects, used = await _transactions(camera, camera.list_objects(folders=True))
    end = now()
    if used < max(4, len(objects) // 4):
        return {
            "bulk_seconds": end - start,
            "bulk_objects": len(objects),
            "bulk_transactions": used,
            "bulk_method": "Camera.list_objects()",
        }
    from ptpkit.proto.datasets import ObjectPropList

    start = now()
    response = await camera.transaction(0x9805, (0xFFFFFFFF, 0, 0xFFFFFFFF, 0, 0xFFFFFFFF))
    props = ObjectPropList.decode(response.data)
    handles = {element.handle for element in props}
    end = now()
    return {
        "bulk_seconds": end - start,
        "bulk_objects": len(handles),
        "bulk_transactions": 1,
        "bulk_method": "transaction(GetObjectPropList) + ObjectPropList.decode "
        f"(list_objects() took {used} transactions: the client does not use 0x9805)",
    }


async def case_idle(spec: dict[str, Any]) -> None:
    """Connect, list, disconnect: the client's baseline memory."""
    async with connect(spec) as camera:
        objects = await camera.list_objects()
    emit(objects=len(objects))


async def case_multi_camera(spec: dict[str, Any]) -> None:
    """One process, many cameras: download one object from k of them at once."""
    ports: list[int] = spec["ports"]
    dest_dir = Path(spec["dest_dir"])
    stack = contextlib.AsyncExitStack()
    async with stack:
        cameras = await asyncio.gather(
            *(stack.enter_async_context(connect(spec, port)) for port in ports)
        )
        objs = await asyncio.gather(*(find(c, spec["name"]) for c in cameras))
        emit(ready=len(cameras))
        most = max(spec["counts"])
        while await wait_go():
            for k in spec["counts"]:
                # k cameras at once, as many times as it takes to move the same bytes
                rounds = max(1, most // k)
                dests = [[dest_dir / f"cam{i}-{j}.bin" for i in range(k)] for j in range(rounds)]
                moved = 0
                start = now()
                for row in dests:
                    sizes = await asyncio.gather(
                        *(
                            download_once(cameras[i], objs[i], row[i], "object", MiB)
                            for i in range(k)
                        )
                    )
                    moved += sum(sizes)
                end = now()
                for row in dests:
                    for d in row:
                        d.unlink()
                emit(cameras=k, seconds=end - start, bytes=moved)


# -- the physical limits (bench/raw.py) ------------------------------------------------
def case_raw(spec: dict[str, Any]) -> None:
    from bench import raw

    seconds = raw.raw_transfer(
        Path(spec["src"]), Path(spec["dest"]), to_disk=spec.get("to_disk", True)
    )
    emit(seconds=seconds, bytes=Path(spec["src"]).stat().st_size)


def case_pingpong(spec: dict[str, Any]) -> None:
    from bench import raw

    emit(round_trips_per_s=raw.pingpong(int(spec["rounds"])), rounds=int(spec["rounds"]))


def case_pingpong_asyncio(spec: dict[str, Any]) -> None:
    from bench import raw

    rounds = int(spec["rounds"])
    loop = use_loop(spec.get("loop", "auto"))
    emit(round_trips_per_s=raw.pingpong_asyncio(rounds, loop), rounds=rounds, loop=loop)


def case_exchange_asyncio(spec: dict[str, Any]) -> None:
    from bench import raw

    rounds = int(spec["rounds"])
    loop = use_loop(spec.get("loop", "auto"))
    emit(round_trips_per_s=raw.exchange_asyncio(rounds, loop), rounds=rounds, loop=loop)


def case_raw_server(spec: dict[str, Any]) -> None:
    from bench import raw

    raw.serve_sendfile_forever(spec["src"])


def case_raw_fetch(spec: dict[str, Any]) -> None:
    """Sync mode only: one raw receive from the raw server per ``go``."""
    from bench import raw

    dest = Path(spec["dest"])
    size = int(spec["size"])
    emit(ready=os.getpid())
    times = int(spec.get("times", 1))
    dests = [dest] + [dest.with_name(f"{dest.stem}-{j}{dest.suffix}") for j in range(1, times)]
    while sys.stdin.readline().strip() == "go":
        start, end = raw.fetch(int(spec["port"]), size, dest)
        for target in dests[1:]:
            end = raw.fetch(int(spec["port"]), size, target)[1]
        file_bytes = dest.stat().st_size
        for target in dests:
            target.unlink()
        emit(start=start, end=end, seconds=end - start, bytes=size * times, file_bytes=file_bytes)


ASYNC_CASES: dict[str, Callable[[dict[str, Any]], Awaitable[None]]] = {
    "download": case_download,
    "upload": case_upload,
    "list": case_list,
    "idle": case_idle,
    "multi_camera": case_multi_camera,
}
SYNC_CASES: dict[str, Callable[[dict[str, Any]], None]] = {
    "raw": case_raw,
    "pingpong": case_pingpong,
    "pingpong_asyncio": case_pingpong_asyncio,
    "exchange_asyncio": case_exchange_asyncio,
    "raw_server": case_raw_server,
    "raw_fetch": case_raw_fetch,
}


def use_loop(loop: str) -> str:
    """Make every later asyncio.run use ``loop``: ``uvloop``; ``asyncio`` (the default
    loop); ``auto``: uvloop when installed, as ptpkit's own commands do. The loop used."""
    if loop in ("auto", "uvloop"):
        try:
            import uvloop
        except ImportError:
            if loop == "uvloop":
                raise
            return "asyncio"
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
        return "uvloop"
    return "asyncio"


def main(argv: list[str]) -> int:
    spec = json.loads(argv[0])
    case = spec["case"]
    use_loop(spec.get("loop", "auto"))
    if case in SYNC_CASES:
        SYNC_CASES[case](spec)
    else:
        asyncio.run(ASYNC_CASES[case](spec))  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
