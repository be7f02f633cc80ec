"""``ptpkit dissect CAPTURE``: the PTP/IP packets in a pcap/pcapng capture.

Parsing and rendering only; the work is :func:`ptpkit.dissect.dissect_capture`.

Output: one aligned line per packet (or, with ``--json``, one JSON object per packet,
JSON Lines, in capture order). Problems found in the capture are lines (objects) of
their own, marked ``ERROR`` (with an ``error`` key), and are summed up in one line on
stderr. Exit status: 0 clean, 1 the capture has problems (what could be decoded is still
printed), 2 the file cannot be read (missing, not pcap/pcapng, unsupported link type).

Run it on its own with ``python -m ptpkit.cli.dissect CAPTURE``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import click

from ptpkit.cli.base import EXIT_ERROR, EXIT_USAGE
from ptpkit.dissect import DEFAULT_PORT, CaptureError, DissectResult, Record, dissect_capture
from ptpkit.proto.codes import InitFailReason, code_name

__all__ = ["dissect", "format_dataset", "format_table"]

_ARROWS = {"to_responder": "->", "to_initiator": "<-"}
_HEADER = ("FRAME", "TIME", "STREAM", "DIR", "CHANNEL", "TYPE", "TID", "CODE", "DETAILS")
_NUMERIC = frozenset({0, 1, 2, 6})  # right-aligned columns
_MAX_LISTED = 8


def _hex_list(values: object) -> str:
    if not isinstance(values, list):
        return str(values)
    shown = ", ".join(f"0x{v:08X}" if isinstance(v, int) else str(v) for v in values[:_MAX_LISTED])
    more = f", … {len(values) - _MAX_LISTED} more" if len(values) > _MAX_LISTED else ""
    return f"[{shown}{more}]"


def _value(value: object) -> str:
    if isinstance(value, list):
        shown = ", ".join(str(v) for v in value[:_MAX_LISTED])
        return f"[{shown}{', …' if len(value) > _MAX_LISTED else ''}]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _int(data: dict[str, object], key: str) -> int:
    value = data.get(key)
    return value if isinstance(value, int) else 0


def format_dataset(dataset: dict[str, object]) -> str:
    """A short summary of a decoded dataset, e.g. ``DeviceInfo: FUJIFILM X-H1, 27 ops``."""
    kind = str(dataset.get("type"))
    if kind == "DeviceInfo":
        ops = dataset.get("operations_supported")
        count = len(ops) if isinstance(ops, list) else 0
        return f"DeviceInfo: {dataset.get('manufacturer')} {dataset.get('model')}, {count} ops"
    if kind == "StorageInfo":
        label = dataset.get("storage_description") or dataset.get("volume_label") or "-"
        return (
            f"StorageInfo: {label}, {_int(dataset, 'free_space_in_bytes')} of "
            f"{_int(dataset, 'max_capacity')} bytes free"
        )
    if kind == "ObjectInfo":
        return (
            f"ObjectInfo: {_value(dataset.get('filename'))}, "
            f"{_int(dataset, 'object_compressed_size')} bytes, "
            f"{code_name('format', _int(dataset, 'object_format'))}, "
            f"parent 0x{_int(dataset, 'parent_object'):08X}"
        )
    if kind == "StorageIDs":
        return f"StorageIDs: {_hex_list(dataset.get('ids'))}"
    if kind == "ObjectHandles":
        handles = dataset.get("handles")
        count = len(handles) if isinstance(handles, list) else 0
        return f"ObjectHandles: {count} {_hex_list(handles)}"
    if kind == "DevicePropDesc":
        prop = _prop_name(dataset)
        dtype = code_name("datatype", _int(dataset, "data_type"))
        text = f"DevicePropDesc: {prop} {dtype} = {_value(dataset.get('current_value'))}"
        if "step_size" in dataset:
            text += (
                f" range [{_value(dataset.get('minimum_value'))}.."
                f"{_value(dataset.get('maximum_value'))} step {_value(dataset.get('step_size'))}]"
            )
        elif "supported_values" in dataset:
            text += f" enum {_value(dataset.get('supported_values'))}"
        return text
    if kind == "DevicePropValue":
        return f"DevicePropValue: {_prop_name(dataset)} = {_value(dataset.get('value'))}"
    events = dataset.get("events")
    if isinstance(events, list):  # a vendor's event list (Nikon GetEvent, ...)
        return f"{kind}: {len(events)} [{', '.join(_event_text(e) for e in events[:_MAX_LISTED])}]"
    items = dataset.get("value")
    if isinstance(items, list) and all(isinstance(item, dict) for item in items):
        # a vendor's list of records (Canon EOS GetEvent): how many of each
        counts = Counter(str(item.get("record_name") or item.get("type")) for item in items)
        shown = ", ".join(f"{count} {name}" for name, count in counts.most_common(_MAX_LISTED))
        more = ", …" if len(counts) > _MAX_LISTED else ""
        return f"{kind}: {len(items)} records" + (f" ({shown}{more})" if items else "")
    return kind


def _prop_name(dataset: dict[str, object]) -> str:
    name = dataset.get("device_prop_name")
    return (
        name if isinstance(name, str) else code_name("property", _int(dataset, "device_prop_code"))
    )


def _event_text(event: object) -> str:
    if not isinstance(event, dict):
        return str(event)
    params = event.get("params", [event.get("param")] if "param" in event else [])
    shown = ", ".join(f"0x{p:X}" for p in params if isinstance(p, int))
    return f"{event.get('name', event.get('code'))}({shown})"


def _details(record: Record) -> str:
    fields = record.fields
    parts: list[str] = []
    if fields.get("params"):
        parts.append(f"params={_hex_list(fields['params'])}")
    if "data_phase" in fields:
        parts.append(f"dp={fields['data_phase']}")
    if "total_length" in fields:
        total = fields["total_length"]
        parts.append(f"total={'unknown' if total == 0xFFFFFFFFFFFFFFFF else total}")
    if "payload_length" in fields:
        parts.append(f"payload={fields['payload_length']}")
    if "connection_number" in fields:
        parts.append(f"conn={fields['connection_number']}")
    if "name" in fields:
        parts.append(f"name={_value(fields['name'])}")
    if "guid" in fields:
        parts.append(f"guid={fields['guid']}")
    if "protocol_version" in fields:
        version = fields["protocol_version"]
        if isinstance(version, int):
            parts.append(f"version={version >> 16}.{version & 0xFFFF}")
        else:  # an Init Command Ack without the field (Sony bodies)
            parts.append("version=none")
    if "reason" in fields:
        reason = _int(fields, "reason")
        try:
            parts.append(f"reason={InitFailReason(reason).name}({reason})")
        except ValueError:
            parts.append(f"reason={reason}")
    if record.dataset is not None:
        parts.append(f"| {format_dataset(record.dataset)}")
    if record.dataset_error is not None:
        parts.append(f"| dataset error: {record.dataset_error}")
    if record.error is not None:
        parts.append(f"ERROR: {record.error}")
    return " ".join(parts)


def _row(record: Record, start_time: float) -> tuple[str, ...]:
    tid = record.fields.get("tid")
    return (
        str(record.frame),
        f"{record.time - start_time:.6f}",
        "-" if record.stream is None else str(record.stream),
        _ARROWS.get(record.direction or "", ""),
        record.channel or "",
        record.type_name or ("ERROR" if record.is_error else ""),
        "" if tid is None else str(tid),
        str(record.fields.get("code_name", "")),
        _details(record),
    )


def format_table(records: Sequence[Record]) -> list[str]:
    """One aligned line per record, under a header line."""
    start = min((r.time for r in records), default=0.0)
    rows = [_HEADER, *(_row(r, start) for r in records)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADER) - 1)]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(widths[i]) if i in _NUMERIC else cell.ljust(widths[i])
            for i, cell in enumerate(row[:-1])
        ]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return lines


def _summary(result: DissectResult) -> str:
    errors = result.errors
    first = errors[0]
    where = f"frame {first.frame}" + ("" if first.stream is None else f", stream {first.stream}")
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"ptpkit: error: {len(errors)} problem(s) in the capture; {where}: {first.error}{more}"


@click.command(name="dissect")
@click.argument("capture", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Follow only TCP connections on this port (default: port 15740, and every "
    "connection on any port that opens with a PTP/IP handshake).",
)
@click.option("--json", "as_json", is_flag=True, help="JSON Lines: one object per packet.")
def dissect(capture: Path, port: int | None, as_json: bool) -> None:
    """Decode the PTP/IP traffic in CAPTURE (pcap or pcapng).

    Finds the PTP/IP connections (by their handshake, on any port, or those on --port),
    splits them into PTP/IP packets, follows the transactions and decodes the datasets
    of their data phases (DeviceInfo, StorageInfo, ObjectInfo, DevicePropDesc, storage
    ids, object handles, property values).
    """
    try:
        result = dissect_capture(capture, port=port)
    except CaptureError as exc:
        click.echo(f"ptpkit: error: {capture}: {exc}", err=True)
        raise click.exceptions.Exit(EXIT_USAGE) from None
    if as_json:
        for record in result.records:
            click.echo(json.dumps(record.as_dict()))
    elif result.records:
        for line in format_table(result.records):
            click.echo(line)
    else:
        where = (
            f"on TCP port {port}"
            if port is not None
            else f"(no handshake on any port, nothing on port {DEFAULT_PORT})"
        )
        click.echo(f"no PTP/IP packets {where} in {result.frames} frames", err=True)
    if result.errors:
        click.echo(_summary(result), err=True)
        raise click.exceptions.Exit(EXIT_ERROR)


if __name__ == "__main__":
    dissect()
