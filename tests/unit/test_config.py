"""The initiator identity kept in the user's config dir (tests use $PTPKIT_CONFIG_DIR)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ptpkit import config
from ptpkit.config import ConfigError


def test_config_dir_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(config.CONFIG_DIR_ENV, str(tmp_path / "x"))
    assert config.config_dir() == tmp_path / "x"
    assert config.config_path() == tmp_path / "x" / "config.json"


def test_default_config_dir_is_platformdirs(monkeypatch: pytest.MonkeyPatch):
    import platformdirs

    monkeypatch.delenv(config.CONFIG_DIR_ENV)
    assert config.config_dir() == Path(platformdirs.user_config_dir("ptpkit", appauthor=False))


def test_guid_is_generated_once_and_kept():
    assert not config.config_path().exists()
    first = config.get_guid()
    assert len(first) == 16
    assert config.config_path().exists()
    assert config.get_guid() == first
    assert config.load_identity().guid == first
    stored = json.loads(config.config_path().read_text())
    assert stored["guid"] == config.format_guid(first)


def test_guid_can_be_set_and_regenerated():
    original = config.get_guid()
    chosen = config.set_guid("00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff")
    assert chosen == bytes.fromhex("00112233445566778899aabbccddeeff")
    assert config.get_guid() == chosen
    fresh = config.set_guid(None)
    assert fresh not in (chosen, original)
    assert config.get_guid() == fresh
    assert config.set_guid(b"\x01" * 16) == b"\x01" * 16


@pytest.mark.parametrize(
    "text",
    [
        "00112233445566778899aabbccddeeff",
        "00112233-4455-6677-8899-aabbccddeeff",
        "{00112233-4455-6677-8899-AABBCCDDEEFF}",
        "00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff",
    ],
)
def test_parse_guid_accepts_common_spellings(text: str):
    assert config.parse_guid(text) == bytes.fromhex("00112233445566778899aabbccddeeff")


@pytest.mark.parametrize("text", ["", "0011", "zz112233445566778899aabbccddeeff", "0" * 34])
def test_parse_guid_rejects_garbage(text: str):
    with pytest.raises(ConfigError):
        config.parse_guid(text)


def test_set_guid_rejects_wrong_length_bytes():
    with pytest.raises(ConfigError):
        config.set_guid(b"short")


def test_name_defaults_to_the_host_and_can_be_set():
    assert config.get_name() == config.default_name()
    assert 0 < len(config.default_name()) <= config.MAX_NAME_LENGTH
    assert config.set_name("studio laptop") == "studio laptop"
    assert config.get_name() == "studio laptop"
    assert config.load_identity().name == "studio laptop"
    config.set_name(None)
    assert config.get_name() == config.default_name()


def test_name_and_guid_are_kept_together():
    guid = config.get_guid()
    config.set_name("a")
    assert config.get_guid() == guid
    config.set_guid(None)
    assert config.get_name() == "a"


@pytest.mark.parametrize("name", ["", "x" * 40, "a\x00b"])
def test_bad_names_are_refused(name: str):
    with pytest.raises(ConfigError):
        config.set_name(name)


def test_explicit_identity_wins_over_the_stored_one():
    config.set_name("stored")
    ident = config.load_identity("ff" * 16, "given")
    assert ident.guid == b"\xff" * 16
    assert ident.name == "given"
    assert config.load_identity(b"\x02" * 16).guid == b"\x02" * 16
    with pytest.raises(ConfigError):
        config.load_identity(b"\x02")


def test_corrupt_config_is_a_clear_error():
    path = config.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        config.get_guid()
    path.write_text("[1, 2]")
    with pytest.raises(ConfigError, match="JSON object"):
        config.get_guid()
    path.write_text('{"guid": 5}')
    with pytest.raises(ConfigError, match="guid"):
        config.get_guid()
    path.write_text('{"guid": "nope"}')
    with pytest.raises(ConfigError, match="not a GUID"):
        config.get_guid()
    path.write_text('{"name": 5}')
    with pytest.raises(ConfigError, match="name"):
        config.get_name()


def test_writes_are_atomic_and_leave_no_temporary_files():
    config.get_guid()
    config.set_name("n")
    names = sorted(p.name for p in config.config_dir().iterdir())
    assert names == ["config.json"]


@pytest.mark.skipif(
    os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root ignores modes"
)
def test_unwritable_config_dir_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    monkeypatch.setenv(config.CONFIG_DIR_ENV, str(locked))
    try:
        with pytest.raises(ConfigError, match="cannot write"):
            config.get_guid()
    finally:
        locked.chmod(0o700)
