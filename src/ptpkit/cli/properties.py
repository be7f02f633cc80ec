"""``ptpkit config``: device properties in words, as gphoto2 shows them (``f/5.6``,
``1/250``, ``Daylight``), read and set, through the camera's dialect (its vendor's words,
else :mod:`ptpkit.proto.propvalues`' tables)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click

from ptpkit.aio.client import Camera
from ptpkit.cli.common import CameraOptions, camera_options, console, run_camera
from ptpkit.errors import BadValueError, NotFoundError
from ptpkit.proto.datasets import DevicePropDesc, PropEnum, PropRange, PtpValue
from ptpkit.proto.propvalues import form_for, show_value

__all__ = ["config", "property_json", "words_of"]


def words_of(camera: Camera) -> Callable[[int, PtpValue], str]:
    """A value in words as the camera's dialect shows it (its vendor's words, else the
    standard tables), else as it is."""
    dialect = camera.dialect

    def words(code: int, value: PtpValue) -> str:
        shown = dialect.format_value(code, value)
        return show_value(code, value) if shown is None else shown

    return words


def _shown(words: Callable[[int, PtpValue], str], code: int, value: PtpValue) -> str:
    """A value in words (``f/5.6``; the raw value is in ``--json``); text without a
    meaning of its own in quotes (so that an empty one shows)."""
    text = words(code, value)
    if isinstance(value, str) and text == value and form_for(code) is None:
        return repr(value)
    return text


def _allowed(words: Callable[[int, PtpValue], str], desc: DevicePropDesc) -> list[str]:
    code, form = desc.device_prop_code, desc.form
    if isinstance(form, PropEnum):
        return [words(code, v) for v in form.values]
    if isinstance(form, PropRange):
        low, high = words(code, form.minimum_value), words(code, form.maximum_value)
        step = form.step_size
        return [f"{low}..{high}" + (f" in steps of {step}" if step not in (0, 1) else "")]
    return []


def _named_code(camera: Camera, name: str) -> int:
    """The code of the property NAME; a name the camera does not know is a usage error
    (exit 2), with the closest names it does know."""
    try:
        return camera.property_code(name)
    except NotFoundError as exc:
        close = camera.dialect.similar_names(name)
        hint = f" (did you mean {', '.join(close)}?)" if close else " (see 'ptpkit config')"
        raise click.UsageError(f"{exc}{hint}") from None


def _raw_json(value: PtpValue) -> Any:
    return list(value) if isinstance(value, tuple) else value


def property_json(
    desc: DevicePropDesc, name: str, words: Callable[[int, PtpValue], str]
) -> dict[str, Any]:
    code, form = desc.device_prop_code, desc.form
    result: dict[str, Any] = {
        "name": name,
        "code": code,
        "type": desc.data_type.name,
        "writable": bool(desc.get_set),
        "value": _raw_json(desc.current_value),
        "value_text": words(code, desc.current_value),
        "default": _raw_json(desc.factory_default_value),
        "default_text": words(code, desc.factory_default_value),
    }
    if isinstance(form, PropEnum):
        result["allowed"] = [_raw_json(v) for v in form.values]
        result["allowed_text"] = _allowed(words, desc)
    elif isinstance(form, PropRange):
        result["range"] = {
            "min": _raw_json(form.minimum_value),
            "max": _raw_json(form.maximum_value),
            "step": _raw_json(form.step_size),
        }
        result["allowed_text"] = _allowed(words, desc)
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
    (exit 2). `config NAME` lists the allowed values in order: "Choice: 0" is the first.
    The raw values are in --json."""

    async def body(camera: Camera) -> int:
        out = console()
        words = words_of(camera)
        named = camera.dialect.code_name
        if name is None:
            descs = await camera.properties()
            if as_json:
                data = [
                    property_json(d, named("property", d.device_prop_code), words) for d in descs
                ]
                out.print_json(json.dumps(data))
                return 0
            from rich.table import Table

            table = Table(box=None, pad_edge=False)
            for column in ("property", "code", "value", "type", "access", "allowed"):
                table.add_column(column, overflow="fold")
            for d in descs:
                code = d.device_prop_code
                table.add_row(
                    named("property", code),
                    f"0x{code:04X}",
                    _shown(words, code, d.current_value),
                    d.data_type.name,
                    "rw" if d.get_set else "r",
                    ", ".join(_allowed(words, d)),
                )
            out.print(table)
            return 0
        code = _named_code(camera, name)
        label = named("property", code)
        desc = await camera.describe_property(code)
        if value is not None:
            if not desc.get_set:
                raise BadValueError(f"{label} is read-only: the camera does not let it be set")
            try:  # refused before anything is sent when the camera does not allow it
                await camera.set_property(code, value)
            except BadValueError:
                raise
            except ValueError as exc:  # a dialect's own refusal: the same exit code
                raise BadValueError(str(exc)) from None
            desc = await camera.describe_property(code)
        if as_json:
            out.print_json(json.dumps(property_json(desc, label, words)))
            return 0
        lines = [
            f"{label} = {_shown(words, code, desc.current_value)}",
            f"  type {desc.data_type.name}, {'read-write' if desc.get_set else 'read-only'}, "
            f"default {_shown(words, code, desc.factory_default_value)}",
        ]
        allowed = _allowed(words, desc)
        if allowed:  # "Choice: N" picks the Nth of these, from 0, as in gphoto2
            lines.append(f"  allowed: {', '.join(allowed)}")
        out.print("\n".join(lines), markup=False, highlight=False)
        return 0

    run_camera(cam, body)
