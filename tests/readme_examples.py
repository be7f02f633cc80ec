"""The examples of the README's usage section, as the tests that run them see them: one
place that finds them (tests/integration/test_readme_examples.py runs them against
``ptpkit serve``; tests/interop/test_readme_discovery_examples.py runs the ones that send
multicast, inside network namespaces of its own)."""

from __future__ import annotations

import re

from conftest import REPO_ROOT

#: An example the tests cannot run says so, and why: ``# [not run: why]``.
NOT_RUN = "[not run"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
#: The camera addresses the README gives (a real camera's, and the one ``serve --host``
#: listens on): each test puts its emulator's address in their place, and changes nothing
#: else.
README_HOSTS = ("192.168.1.1", "192.168.0.1", "192.168.1.20")
#: What sends or answers multicast: ``ptpkit discover``, ``serve --advertise``, the library's
#: ``discover(``. Such an example never runs in the machine's own network namespace.
MULTICAST = re.compile(r"\bptpkit discover\b|--advertise\b|\bdiscover\(")


def usage_section() -> str:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    return text[text.index("\n## Usage\n") : text.index("\n## Architecture\n")]


def examples() -> list[tuple[str, str]]:
    """(language, example): each line of a sh block, each python block."""
    found = []
    for language, body in BLOCK.findall(usage_section()):
        if language == "sh":
            found += [
                ("sh", line)
                for line in body.splitlines()
                if line.strip() and not line.startswith("#")
            ]
        elif language == "python":
            found.append(("python", body))
    return found


def sends_multicast(example: str) -> bool:
    """Whether ``example`` sends multicast (to run in namespaces, never on this machine's
    networks), whether it is marked ``[not run]`` or not. Its comment counts too: a doubt
    is a failure of the namespace test, never multicast here."""
    return bool(MULTICAST.search(example))


def with_address(example: str, address: str) -> str:
    """``example`` with the README's camera addresses replaced by ``address``."""
    for host in README_HOSTS:
        example = re.sub(rf"(?<![\d.]){re.escape(host)}(?![\d])", address, example)
    return example
