"""docs/state-machines.md is generated from the transition tables and must not drift."""

from __future__ import annotations

from conftest import REPO_ROOT

from ptpkit.proto.state import LINK_TRANSITIONS, TRANSACTION_TRANSITIONS, render_markdown


def test_state_machine_doc_is_current() -> None:
    doc = (REPO_ROOT / "docs" / "state-machines.md").read_text(encoding="utf-8")
    assert doc == render_markdown(), "run: python -m ptpkit.proto.state > docs/state-machines.md"


def test_every_transition_appears_in_the_doc() -> None:
    doc = render_markdown()
    rows = [line for line in doc.splitlines() if line.startswith("| ") and " | " in line]
    assert len(rows) >= len(LINK_TRANSITIONS) + len(TRANSACTION_TRANSITIONS)
