"""``ptpkit serve DIR [DIR…]``: an emulated PTP/IP camera on the command line.

Prints ``ptpkit emulator listening on HOST:PORT`` (flushed, so scripts can wait for it),
then serves until SIGINT or SIGTERM and exits 0. Also runs as ``python -m
ptpkit.cli.serve``.

Operation and response codes in the fault options are names (``GetObject``,
``DeviceBusy``) or numbers (``0x1009``, ``4105``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path

import click

from ptpkit.cli.base import run_loop
from ptpkit.config import ConfigError, parse_guid
from ptpkit.emulator.faults import INIT_FAIL_REASONS, QUIRKS, CaptureMode, Faults
from ptpkit.emulator.personas import DEFAULT_PERSONA, PERSONAS
from ptpkit.emulator.serve import DEFAULT_PORT, EmulatorServer
from ptpkit.emulator.serve import serve as start_emulator
from ptpkit.proto.codes import (
    MtpOperationCode,
    OperationCode,
    ResponseCode,
    VendorOperationCode,
)

__all__ = ["serve"]

_OPERATIONS: dict[str, int] = {
    m.name.lower(): int(m)
    for e in (OperationCode, MtpOperationCode, VendorOperationCode)
    for m in e
}
_RESPONSES: dict[str, int] = {m.name.lower(): int(m) for m in ResponseCode}


def _code(text: str, names: dict[str, int], what: str) -> int:
    key = text.strip().lower()
    if key in names:
        return names[key]
    try:
        value = int(key, 0)
    except ValueError:
        raise click.BadParameter(f"unknown {what} {text!r}") from None
    if not 0 <= value <= 0xFFFF:
        raise click.BadParameter(f"{what} out of range: {text!r}")
    return value


def _pairs(values: tuple[str, ...], option: str) -> list[tuple[str, str]]:
    pairs = []
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise click.BadParameter(f"expected OPERATION=VALUE, got {item!r}", param_hint=option)
        pairs.append((key, value))
    return pairs


def _faults(
    *,
    delay: tuple[str, ...],
    fail: tuple[str, ...],
    drop_after: int | None,
    drop_op: tuple[str, ...],
    init_fail: str | None,
    no_event_ack: bool,
    probe_interval: float | None,
    split_writes: int | None,
    coalesce: bool,
    capture_mode: str,
    event_delay: float,
    random_drops: float | None = None,
    quirks: tuple[str, ...] = (),
) -> Faults:
    delays: dict[int, float] = {}
    for op, seconds in _pairs(delay, "--delay"):
        try:
            delays[_code(op, _OPERATIONS, "operation")] = float(seconds)
        except ValueError:
            raise click.BadParameter(f"not a number of seconds: {seconds!r}") from None
    fails = {
        _code(op, _OPERATIONS, "operation"): _code(rc, _RESPONSES, "response code")
        for op, rc in _pairs(fail, "--fail")
    }
    reason: int | None = None
    if init_fail is not None:
        reason = INIT_FAIL_REASONS.get(init_fail.lower())
        if reason is None:
            try:
                reason = int(init_fail, 0)
            except ValueError:
                raise click.BadParameter(
                    f"expected rejected, busy, unspecified or a number: {init_fail!r}",
                    param_hint="--init-fail",
                ) from None
    try:
        return Faults(
            delay=delays,
            fail=fails,
            drop_after_bytes=drop_after,
            drop_operations=frozenset(_code(op, _OPERATIONS, "operation") for op in drop_op),
            init_fail=reason,
            withhold_event_ack=no_event_ack,
            probe_interval=probe_interval,
            split_writes=split_writes,
            coalesce=coalesce,
            capture=CaptureMode(capture_mode),
            event_delay=event_delay,
            random_drops=random_drops,
            quirks=frozenset(quirks),
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def _list_personas(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    for persona in PERSONAS.values():
        who = persona.identity
        click.echo(f"{persona.name:<10} {who.manufacturer} {who.model}: {persona.summary}")
    ctx.exit(0)


@click.command()
@click.argument(
    "dirs",
    metavar="[DIR]...",
    nargs=-1,
    required=False,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    "-p",
    type=click.IntRange(0, 65535),
    default=None,
    help=f"TCP port (0 = pick a free one) [default: {DEFAULT_PORT}, or the persona's: "
    "55740 for fujifilm, whose events and live view take the next two ports].",
)
@click.option("--writable", is_flag=True, help="Allow upload, delete, move, copy and capture.")
@click.option("--allow-format", is_flag=True, help="Also allow FormatStore (with --writable).")
@click.option(
    "--persona",
    type=click.Choice(list(PERSONAS), case_sensitive=False),
    default=DEFAULT_PERSONA,
    show_default=True,
    help="The camera family to play (its DeviceInfo, vendor operations, events and "
    "properties); see --list-personas.",
)
@click.option(
    "--list-personas",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=_list_personas,
    help="List the personas and exit.",
)
@click.option("--name", help="Friendly name (default: the persona's).")
@click.option("--manufacturer", help="Manufacturer (default: the persona's).")
@click.option("--model", help="Model (default: the persona's).")
@click.option("--serial", default="", help="Serial number (default: from the GUID).")
@click.option("--guid", help="The camera's GUID (16 hex bytes; default: random).")
@click.option(
    "--allow-guid",
    multiple=True,
    metavar="GUID",
    help="Accept only these initiators (repeatable); others get Init Fail reason 1.",
)
@click.option(
    "--max-sessions",
    type=click.IntRange(0),
    help="At most N initiators at once; the next gets Init Fail reason 2.",
)
@click.option(
    "--chunk-size",
    type=click.IntRange(1),
    default=1 << 20,
    show_default=True,
    help="Payload bytes per Data packet.",
)
@click.option(
    "--rescan-interval",
    type=float,
    default=2.0,
    show_default=True,
    help="Seconds between checks for outside changes to the folders (0 = never).",
)
@click.option("--no-thumbnails", is_flag=True, help="Announce no thumbnails in ObjectInfo.")
@click.option(
    "--mtp",
    is_flag=True,
    help="Offer MTP GetObjectPropList: a whole card listed in one transaction.",
)
@click.option(
    "--join-writes/--packet-per-write",
    default=True,
    show_default=True,
    help="Write a small transaction's answer (Start Data, End Data, Response) in one TCP "
    "segment, or each packet in one of its own: slower, but tshark, which decodes only "
    "the first PTP/IP packet of a segment, then sees them all.",
)
@click.option(
    "--delay",
    multiple=True,
    metavar="OP=SECONDS",
    help="Fault: answer an operation late (repeatable).",
)
@click.option(
    "--fail",
    multiple=True,
    metavar="OP=CODE",
    help="Fault: answer an operation with this response code (repeatable).",
)
@click.option(
    "--drop-after",
    type=click.IntRange(0),
    metavar="BYTES",
    help="Fault: close the connection after BYTES of a data phase.",
)
@click.option("--drop-op", multiple=True, metavar="OP", help="Limit --drop-after to these.")
@click.option(
    "--init-fail",
    metavar="REASON",
    help="Fault: refuse every initiator (rejected, busy, unspecified or a number).",
)
@click.option("--no-event-ack", is_flag=True, help="Fault: never answer Init Event Request.")
@click.option("--probe-interval", type=float, help="Probe initiators idle this many seconds.")
@click.option(
    "--split-writes",
    type=click.IntRange(1),
    metavar="BYTES",
    help="Fault: write packets in pieces of BYTES.",
)
@click.option(
    "--coalesce",
    is_flag=True,
    help="Fault: write ready packets in one segment, even with --packet-per-write.",
)
@click.option(
    "--capture-mode",
    type=click.Choice([m.value for m in CaptureMode]),
    default=CaptureMode.NORMAL.value,
    show_default=True,
    help="Fault: which events follow InitiateCapture.",
)
@click.option(
    "--event-delay",
    type=click.FloatRange(0),
    default=0.0,
    help="Fault: seconds before a capture's events.",
)
@click.option(
    "--random-drops",
    type=click.FloatRange(0, min_open=True),
    metavar="SECONDS",
    help="Fault: drop each session at a random moment, SECONDS after its start on average.",
)
@click.option(
    "--quirk",
    "quirks",
    multiple=True,
    type=click.Choice(QUIRKS),
    help="Behave as some real cameras do (repeatable): "
    "no-probe-answers, nagle (no TCP_NODELAY, one write per packet), no-response-params, "
    "own-transaction-ids, one-recv-per-packet (a packet split across reads closes the "
    "link), no-events, padded-init-ack.",
)
@click.option(
    "--advertise",
    is_flag=True,
    help="Announce the camera on the network it listens on, as its persona's family does: "
    "DNS-SD _ptp._tcp (generic, nikon) or SSDP (canon-eos, sony). Off by default; "
    "withdrawn on exit.",
)
@click.option("--verbose", "-v", is_flag=True, help="Log connections and operations.")
def serve(
    *,
    dirs: tuple[Path, ...],
    host: str,
    port: int | None,
    writable: bool,
    allow_format: bool,
    persona: str,
    name: str | None,
    manufacturer: str | None,
    model: str | None,
    serial: str,
    guid: str | None,
    allow_guid: tuple[str, ...],
    max_sessions: int | None,
    chunk_size: int,
    rescan_interval: float,
    no_thumbnails: bool,
    mtp: bool,
    join_writes: bool,
    delay: tuple[str, ...],
    fail: tuple[str, ...],
    drop_after: int | None,
    drop_op: tuple[str, ...],
    init_fail: str | None,
    no_event_ack: bool,
    probe_interval: float | None,
    split_writes: int | None,
    coalesce: bool,
    capture_mode: str,
    event_delay: float,
    random_drops: float | None,
    quirks: tuple[str, ...],
    advertise: bool,
    verbose: bool,
) -> None:
    """Serve folders as an emulated PTP/IP camera (one storage per DIR; with none, a
    camera without storage, as a Sony body in remote mode).

    Binds 127.0.0.1 and is read-only unless told otherwise. Try it with gphoto2:
    `gphoto2 --port ptpip:127.0.0.1:PORT:PORT --summary`; the fujifilm persona with
    `gphoto2 --camera "Fuji X (WLAN)" --port ptpip:127.0.0.1:PORT:PORT+1 --summary`.
    """
    try:
        camera_guid = parse_guid(guid) if guid else None
        allowed = [parse_guid(g) for g in allow_guid] if allow_guid else None
    except ConfigError as exc:
        raise click.BadParameter(str(exc)) from None
    faults = _faults(
        delay=delay,
        fail=fail,
        drop_after=drop_after,
        drop_op=drop_op,
        init_fail=init_fail,
        no_event_ack=no_event_ack,
        probe_interval=probe_interval,
        split_writes=split_writes,
        coalesce=coalesce,
        capture_mode=capture_mode,
        event_delay=event_delay,
        random_drops=random_drops,
        quirks=quirks,
    )
    if port is None:
        port = PERSONAS[persona.lower()].ports[0]
    if verbose and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    try:
        server = start_emulator(
            dirs,
            host=host,
            port=port,
            writable=writable,
            allow_format=allow_format,
            persona=persona.lower(),
            name=name,
            manufacturer=manufacturer,
            model=model,
            serial_number=serial,
            guid=camera_guid,
            allow_guids=allowed,
            max_sessions=max_sessions,
            faults=faults,
            data_chunk_size=chunk_size,
            probe_interval=probe_interval,
            rescan_interval=rescan_interval or None,
            thumbnails=not no_thumbnails,
            mtp=mtp,
            join_writes=join_writes,
        )
    except (OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    try:
        run_loop(_run(server, persona.lower() if advertise else None))
    except OSError as exc:  # could not bind
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}"
        ) from None
    except KeyboardInterrupt:  # a second Ctrl-C while closing
        pass


async def _run(server: EmulatorServer, advertise_as: str | None = None) -> None:
    loop = asyncio.get_running_loop()
    advertiser = None
    try:
        await server.start()
        if advertise_as is not None:
            from ptpkit.discovery.advertise import advertise_server

            try:
                advertiser = await advertise_server(server, advertise_as)
            except OSError as exc:
                raise click.ClickException(f"cannot advertise: {exc}") from None
    except BaseException:
        await server.close()
        raise
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)
    host = f"[{server.host}]" if ":" in server.host else server.host
    ports = server.ports
    if len(ports) == 3:
        click.echo(
            f"ptpkit emulator listening on {host}:{ports[0]} "
            f"(events {ports[1]}, live view {ports[2]})"
        )
    else:
        click.echo(f"ptpkit emulator listening on {host}:{server.port}")
    who = server.camera.identity
    click.echo(f"  persona {server.persona}: {who.manufacturer} {who.model}")
    mode = "writable" if server.camera.writable else "read-only"
    for sid in server.store.storage_ids():
        click.echo(f"  storage 0x{sid:08X} ({mode}): {server.store.storage_root(sid)}")
    if server.persona == "fujifilm":
        click.echo(
            f'  gphoto2 --camera "Fuji X (WLAN)" --port ptpip:{server.host}:{ports[0]}:{ports[1]}'
            " --summary"
        )
        if server.camera.writable and server.store.storage_ids():
            click.echo(  # gphoto2's Fuji capture path, docs/protocol.md
                "  warning: after a capture, gphoto2's Fuji path takes every file it has not "
                "listed in that run for a new picture and, without --keep, deletes it: "
                "serve a copy or an empty folder",
                err=True,
            )
    else:
        click.echo(f"  gphoto2 --port ptpip:{server.host}:{server.port}:{server.port} --summary")
    if advertiser is not None:
        click.echo(f"  advertising: {advertiser.summary}")
    sys.stdout.flush()
    try:
        await stop.wait()
    finally:
        if advertiser is not None:
            await advertiser.close()
        await server.close()


if __name__ == "__main__":  # pragma: no cover - python -m ptpkit.cli.serve
    serve()
