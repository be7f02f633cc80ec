"""File-name templates with gphoto2's ``%`` codes (``--filename %Y%m%d-%H%M%S-%f.%C``),
and the rule that turns a camera's names into local paths that cannot leave their folder.

Codes (dates are the picture's capture date, else its modification date, else now):

======  ====================================================================
``%f``  the file's name without its suffix      ``%C``  the suffix (``JPG``)
``%F``  the camera folder, e.g. ``DCIM/100CANON`` ``%n``  the file's number in this run
        (``%3n`` or ``%03n``: zero-padded to 3 digits)
``%Y``  year (2024)        ``%y``  year (24)     ``%m``  month (01-12)   ``%d`` day
``%H``  hour (00-23)       ``%I``  hour (01-12)  ``%p``  AM/PM           ``%M`` minute
``%S``  second             ``%j``  day of the year
``%a``  weekday (Mon)      ``%A``  weekday (Monday)
``%b``  month (Jan)        ``%B``  month (January)                       ``%%`` a ``%``
======  ====================================================================

A ``/`` in a template makes folders (``%Y/%m/%d/%f.%C``).
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import click

from ptpkit.aio.client import CameraObject
from ptpkit.aio.transfer import safe_file_name

__all__ = ["CODES", "check_template", "render", "safe_relative"]

_DATE_CODES = frozenset("YymdHIpMSjaAbB")
#: Every code and what it stands for (for --help and errors).
CODES = "f C F n Y y m d H I p M S j a A b B %"

_CODE = re.compile(r"%(0?\d*)(.)", re.DOTALL)


def safe_relative(path: str) -> Path:
    """A camera path as a relative local path that cannot leave its directory: empty,
    ``.`` and ``..`` components are dropped and separators inside names replaced."""
    parts = [safe_file_name(p) for p in path.split("/") if p.strip() not in ("", ".", "..")]
    if not parts:
        raise ValueError(f"the camera gave an unusable path: {path!r}")
    return Path(*parts)


def check_template(template: str) -> str:
    """``template`` if every ``%`` code in it is known; a usage error otherwise."""
    for match in _CODE.finditer(template):
        width, code = match.groups()
        if code not in _DATE_CODES and code not in "fCFn%":
            raise click.BadParameter(
                f"unknown code %{code} in {template!r} (known: %{' %'.join(CODES.split())})",
                param_hint="--filename",
            )
        if width and code != "n":
            raise click.BadParameter(
                f"only %n takes a width (%03n), not %{width}{code}", param_hint="--filename"
            )
    if "%" in _CODE.sub("", template):
        raise click.BadParameter(f"{template!r} ends with a lone %", param_hint="--filename")
    if not template.strip("/ "):
        raise click.BadParameter("an empty file name", param_hint="--filename")
    return template


def render(template: str, obj: CameraObject, number: int, now: datetime | None = None) -> Path:
    """The local path (relative) that ``template`` gives ``obj``, the ``number``-th file."""
    when = obj.captured or obj.modified or now or datetime.now()
    stem, dot, suffix = obj.name.rpartition(".")
    if not dot:
        stem, suffix = obj.name, ""
    folder = obj.relative_path.rpartition("/")[0]

    def one(match: re.Match[str]) -> str:
        width, code = match.groups()
        if code == "%":
            return "%"
        if code == "f":
            return stem
        if code == "C":
            return suffix
        if code == "F":
            return folder
        if code == "n":
            return str(number).zfill(int(width or 0))
        return when.strftime("%" + code)

    return safe_relative(_CODE.sub(one, template))
