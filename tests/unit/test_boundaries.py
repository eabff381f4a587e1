"""What the import contracts cannot see: the domain reads no clock and no chance.

`lint-imports` (``[tool.importlinter]`` in pyproject.toml) keeps ``ledger.domain``
free of storage, drivers, ``time`` and ``random``, but the domain must import
``datetime`` and ``uuid`` for their types, so a call such as ``datetime.now()`` or
``uuid4()`` would pass it. This test reads the domain's source for such calls.
"""

from __future__ import annotations

import ast
from pathlib import Path

import ledger.domain

# Calls that read the clock or draw a random value, by the name called.
IMPLICIT_INPUTS = frozenset({"now", "today", "utcnow", "uuid1", "uuid4"})


def implicit_inputs(source: str) -> list[str]:
    """The calls in ``source`` that read the clock or chance, as ``line: name``."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in IMPLICIT_INPUTS:
            found.append(f"{node.lineno}: {name}")
    return found


def test_the_checker_finds_a_clock_read_and_a_random_id() -> None:
    source = (
        "from datetime import datetime\n"
        "from uuid import uuid4\n"
        "stamp = datetime.now()\n"
        "fresh = uuid4()\n"
    )
    assert implicit_inputs(source) == ["3: now", "4: uuid4"]


def test_the_domain_reads_no_clock_and_no_chance() -> None:
    package = Path(ledger.domain.__file__).parent
    offenders = {
        str(path.relative_to(package)): calls
        for path in sorted(package.rglob("*.py"))
        if (calls := implicit_inputs(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}
