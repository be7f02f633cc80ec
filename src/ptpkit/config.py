"""The initiator's identity, kept once per user: its GUID and its friendly name.

Cameras pair with the GUID an initiator sends in its Init Command Request (a Nikon or
Sony asks its owner to confirm a new one, then remembers it), so ptpkit generates a GUID
the first time it is needed and keeps it in ``config.json`` in the user's config
directory (``platformdirs.user_config_dir("ptpkit")``, or ``$PTPKIT_CONFIG_DIR`` when
set). Both values can be set, for example to reuse the GUID of a vendor's own app.

The friendly name defaults to the host name (cut to 39 characters, which every camera
we know of accepts) and is stored only when set explicitly, so the default follows a
renamed machine.
"""

from __future__ import annotations

import json
import os
import re
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "CONFIG_DIR_ENV",
    "MAX_NAME_LENGTH",
    "ConfigError",
    "Identity",
    "config_dir",
    "config_path",
    "default_name",
    "format_guid",
    "get_guid",
    "get_name",
    "load_identity",
    "parse_guid",
    "set_guid",
    "set_name",
]

#: Environment variable that overrides the configuration directory (tests use it).
CONFIG_DIR_ENV = "PTPKIT_CONFIG_DIR"

#: The longest friendly name ptpkit sends (some initiators and cameras stop at 39 + NUL).
MAX_NAME_LENGTH = 39

_FILE_NAME = "config.json"
_HEX_ONLY = re.compile(r"[0-9a-fA-F]{32}")


class ConfigError(ValueError):
    """The configuration file or a value given for it is not usable."""


@dataclass(frozen=True, slots=True)
class Identity:
    """What the initiator tells a camera about itself."""

    guid: bytes
    name: str


def config_dir() -> Path:
    """Where ptpkit keeps its per-user configuration."""
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_config_dir("ptpkit", appauthor=False))


def config_path() -> Path:
    return config_dir() / _FILE_NAME


def format_guid(guid: bytes) -> str:
    """A GUID as 16 colon-separated hex bytes, the way libgphoto2 stores its own."""
    return ":".join(f"{b:02x}" for b in guid)


def parse_guid(text: str) -> bytes:
    """16 bytes from hex text: ``00:11:…``, ``0011…``, or a UUID with dashes."""
    digits = re.sub(r"[\s:\-{}]", "", text)
    if not _HEX_ONLY.fullmatch(digits):
        raise ConfigError(f"not a GUID (expected 16 hex bytes): {text!r}")
    return bytes.fromhex(digits)


def default_name() -> str:
    """The host name, cut to :data:`MAX_NAME_LENGTH` characters."""
    try:
        host = socket.gethostname().split(".")[0]
    except OSError:  # pragma: no cover - gethostname practically never fails
        host = ""
    host = host.replace("\x00", "")
    return (host or "ptpkit")[:MAX_NAME_LENGTH]


def _check_name(name: str) -> str:
    if not name or "\x00" in name:
        raise ConfigError("the friendly name must be non-empty text without NUL characters")
    if len(name) > MAX_NAME_LENGTH:
        raise ConfigError(f"the friendly name is longer than {MAX_NAME_LENGTH} characters")
    return name


def _read() -> dict[str, Any]:
    path = config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path} does not hold a JSON object")
    return data


def _write(data: dict[str, Any]) -> None:
    """Write atomically: a temporary file in the same directory, then a rename."""
    path = config_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        import tempfile  # only when the file is written (a first run, `identity`)

        fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".json", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, sort_keys=True)
            fh.write("\n")
        Path(tmp).replace(path)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from exc


def get_guid() -> bytes:
    """The user's GUID; generated (random, RFC 4122 version 4) and saved on first use."""
    data = _read()
    stored = data.get("guid")
    if isinstance(stored, str):
        return parse_guid(stored)
    if stored is not None:
        raise ConfigError(f"{config_path()}: 'guid' must be a string")
    guid = uuid.uuid4().bytes
    data["guid"] = format_guid(guid)
    _write(data)
    return guid


def set_guid(value: bytes | str | None) -> bytes:
    """Store a GUID (16 bytes or hex text); ``None`` generates a new random one."""
    if value is None:
        guid = uuid.uuid4().bytes
    elif isinstance(value, bytes):
        if len(value) != 16:
            raise ConfigError(f"a GUID is 16 bytes, not {len(value)}")
        guid = value
    else:
        guid = parse_guid(value)
    data = _read()
    data["guid"] = format_guid(guid)
    _write(data)
    return guid


def get_name() -> str:
    """The friendly name: the stored one, or :func:`default_name`."""
    stored = _read().get("name")
    if stored is None:
        return default_name()
    if not isinstance(stored, str):
        raise ConfigError(f"{config_path()}: 'name' must be a string")
    return _check_name(stored)


def set_name(name: str | None) -> str:
    """Store a friendly name; ``None`` goes back to the host name."""
    data = _read()
    if name is None:
        data.pop("name", None)
        _write(data)
        return default_name()
    data["name"] = _check_name(name)
    _write(data)
    return name


def load_identity(guid: bytes | str | None = None, name: str | None = None) -> Identity:
    """The identity to connect with: explicit values win over the stored ones."""
    if guid is None:
        resolved = get_guid()
    elif isinstance(guid, bytes):
        if len(guid) != 16:
            raise ConfigError(f"a GUID is 16 bytes, not {len(guid)}")
        resolved = guid
    else:
        resolved = parse_guid(guid)
    return Identity(resolved, get_name() if name is None else _check_name(name))
