"""Emulator personas: the camera families the emulator can play.

One module per vendor, of the same name as its wire knowledge in
:mod:`ptpkit.proto.vendors` and its client dialect in :mod:`ptpkit.dialects`.
:data:`PERSONAS` lists them by name (``ptpkit serve --persona NAME``,
``ptpkit.emulator.serve(..., persona=NAME)``); see
:class:`~ptpkit.emulator.personas.base.Persona` for what one holds.

A new vendor: write ``personas/<vendor>.py`` declaring a :class:`Persona` and add it to
:data:`PERSONAS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ptpkit.emulator.personas.base import Persona
from ptpkit.emulator.personas.canon import CANON_EOS
from ptpkit.emulator.personas.fuji import FUJIFILM
from ptpkit.emulator.personas.generic import GENERIC
from ptpkit.emulator.personas.nikon import NIKON
from ptpkit.emulator.personas.sony import SONY

__all__ = ["DEFAULT_PERSONA", "PERSONAS", "Persona", "get_persona"]

#: The persona ``serve`` plays unless told otherwise.
DEFAULT_PERSONA = GENERIC.name

#: Every persona by name.
PERSONAS: Mapping[str, Persona] = MappingProxyType(
    {p.name: p for p in (GENERIC, NIKON, CANON_EOS, SONY, FUJIFILM)}
)


def get_persona(persona: str | Persona) -> Persona:
    """The persona called ``persona`` (or ``persona`` itself); ValueError listing the
    names when there is none."""
    if isinstance(persona, Persona):
        return persona
    found = PERSONAS.get(persona.strip().lower())
    if found is None:
        raise ValueError(f"no persona named {persona!r} (known: {', '.join(PERSONAS)})")
    return found
