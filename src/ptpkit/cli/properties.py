"""``ptpkit config``: device properties in words, as gphoto2 shows them (``f/5.6``,
``1/250``, ``Daylight``), read and set; the words are :mod:`ptpkit.proto.propvalues`'."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click

from ptpkit.aio.client import Camera, property_code
from ptpkit.cli.common import CameraOptions, camera_options, console, run_camera
from ptpkit.errors import BadValueError
from ptpkit.proto.codes import code_name
from ptpkit.proto.datasets import DevicePropDesc, PropEnum, PropRange, PtpValue
from ptpkit.proto.propvalues import (
    alias_code,
    allowed_in_words,
    describe_choices,
    form_for,
    parse_value,
    show_value,
)

__all__ = ["config", "property_json", "vendor_of"]


def vendor_of(camera: Camera) -> str | None:
    """The name of the camera's vendor dialect, when ptpkit knows one."""
    return camera.vendor_name


def resolve_property(name: str) -> int:
    """A property by its name (any case), gphoto2's name (``shutterspeed``) or code."""
    code = alias_code(name)
    return code if code is not None else property_code(name)


def _shown(code: int, value: PtpValue, vendor: str | None) -> str:
    """Words, and the raw value beside them when they differ: ``f/5.6 (560)``; text
    without a meaning of its own in quotes (so that an empty one shows)."""
    if isinstance(value, str):
        if form_for(code, vendor) is None:
            return repr(value)
        return show_value(code, value, vendor)
    words = show_value(code, value, vendor)
    raw = show_value(-1, value)
    return words if words == raw else f"{words} ({raw})"


def _raw_json(value: PtpValue) -> Any:
    return list(value) if isinstance(value, tuple) else value


def property_json(desc: DevicePropDesc, vendor: str | None = None) -> dict[str, Any]:
    code, form = desc.device_prop_code, desc.form
    result: dict[str, Any] = {
        "name": code_name("property", code),
        "code": code,
        "type": desc.data_type.name,
        "writable": bool(desc.get_set),
        "value": _raw_json(desc.current_value),
        "value_text": show_value(code, desc.current_value, vendor),
        "default": _raw_json(desc.factory_default_value),
        "default_text": show_value(code, desc.factory_default_value, vendor),
    }
    if isinstance(form, PropEnum):
        result["allowed"] = [_raw_json(v) for v in form.values]
        result["allowed_text"] = allowed_in_words(desc, vendor)
    elif isinstance(form, PropRange):
        result["range"] = {
            "min": _raw_json(form.minimum_value),
            "max": _raw_json(form.maximum_value),
            "step": _raw_json(form.step_size),
        }
        result["allowed_text"] = allowed_in_words(desc, vendor)
    return result


@click.command(context_settings={"ignore_unknown_options": True})
@camera_options
@click.argument("name", required=False)
@click.argument("value", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (raw values and words).")
def config(cam: CameraOptions, name: str | None, value: str | None, as_json: bool) -> None:
    """List the camera's properties, show one (NAME), or set it (NAME VALUE).

    NAME is a property name in any case (whitebalance, ExposureTime, f_number), gphoto2's
    name (shutterspeed, iso, f-number) or a code (0x5005). VALUE is in words as shown
    (Daylight, f/5.6, 5.6, 1/250, 0.004, 2s, +0.7, 1920x1080, now for the date), the raw
    number (560, 0x230), or gphoto2's "Choice: N" (the Nth allowed value, from 0). A value
    the camera does not allow is refused before anything is sent, with the allowed ones
    (exit 2)."""

    async def body(camera: Camera) -> int:
        out = console()
        vendor = vendor_of(camera)
        if name is None:
            descs = await camera.properties()
            if as_json:
                out.print_json(json.dumps([property_json(d, vendor) for d in descs]))
                return 0
            from rich.table import Table

            table = Table(box=None, pad_edge=False)
            for column in ("property", "code", "value", "type", "access", "allowed"):
                table.add_column(column, overflow="fold")
            for d in descs:
                table.add_row(
                    code_name("property", d.device_prop_code),
                    f"0x{d.device_prop_code:04X}",
                    _shown(d.device_prop_code, d.current_value, vendor),
                    d.data_type.name,
                    "rw" if d.get_set else "r",
                    ", ".join(allowed_in_words(d, vendor)),
                )
            out.print(table)
            return 0
        code = resolve_property(name)
        desc = await camera.describe_property(code)
        if value is not None:
            label = code_name("property", code)
            if not desc.get_set:
                raise BadValueError(f"{label} is read-only: the camera does not let it be set")
            raw = parse_value(desc, value, now=datetime.now(), vendor=vendor)
            await camera.set_device_prop_value(code, raw, desc.data_type)
            desc = await camera.describe_property(code)
        if as_json:
            out.print_json(json.dumps(property_json(desc, vendor)))
            return 0
        lines = [
            f"{code_name('property', code)} = {_shown(code, desc.current_value, vendor)}",
            f"  type {desc.data_type.name}, {'read-write' if desc.get_set else 'read-only'}, "
            f"default {_shown(code, desc.factory_default_value, vendor)}",
        ]
        choices = describe_choices(desc, vendor)
        if choices:
            lines += [f"  {choice}" for choice in choices]
        elif isinstance(desc.form, PropRange):
            lines.append(f"  allowed: {', '.join(allowed_in_words(desc, vendor))}")
        out.print("\n".join(lines), markup=False, highlight=False)
        return 0

    run_camera(cam, body)
