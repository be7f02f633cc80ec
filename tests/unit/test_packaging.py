"""What a clone, a wheel and an sdist carry: the licence, the tests with their fixtures,
the docs (the build itself is checked by hand: ``python -m build``)."""

from __future__ import annotations

from conftest import FIXTURES_DIR, REPO_ROOT


def test_license_is_mit_and_declared():
    text = (REPO_ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "ptpkit developers" in text
    lines = (REPO_ROOT / "pyproject.toml").read_text().splitlines()
    assert 'license = "MIT"' in lines
    assert 'license-files = ["LICENSE"]' in lines  # into the wheel's dist-info/licenses


def test_sdist_manifest_carries_tests_and_docs():
    lines = (REPO_ROOT / "MANIFEST.in").read_text().splitlines()
    assert "graft tests" in lines and "graft docs" in lines
    assert any(line.startswith("include") and "LICENSE" in line for line in lines)


def test_every_fixture_is_described_in_the_fixtures_readme():
    readme = (FIXTURES_DIR / "README.md").read_text()
    for path in FIXTURES_DIR.iterdir():
        if path.name != "README.md" and not path.name.startswith("."):
            assert f"`{path.name}`" in readme, path.name
