"""Boundaries the import contracts cannot see.

`lint-imports` (``[tool.importlinter]`` in pyproject.toml) keeps ``ledger.domain``
free of storage, drivers, ``time`` and ``random``, but the domain must import
``datetime`` and ``uuid`` for their types, so a call such as ``datetime.now()`` or
``uuid4()`` would pass it: this test reads the domain's source for such calls.
``tests/`` is no package the contracts cover: here no test module may import
another (what tests share lives in ``tests/support/``).
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


def test_the_checker_finds_imports_of_test_modules(tmp_path: Path) -> None:
    (tmp_path / "test_a.py").write_text(
        "from tests.support import rawsql\n"
        "from tests.integration.test_log import helper\n"
        "from tests.e2e import test_cli\n"
        "import tests.conftest\n",
        encoding="utf-8",
    )
    assert imported_test_modules(tmp_path) == {
        "test_a.py": [
            "tests.integration.test_log",
            "tests.e2e.test_cli",
            "tests.conftest",
        ]
    }


def test_no_test_module_imports_another() -> None:
    """What tests share lives in ``tests/support/``, not in a test module."""
    assert imported_test_modules(Path(__file__).parents[1]) == {}


def imported_test_modules(root: Path) -> dict[str, list[str]]:
    """Per file under ``root``: the test modules and conftests it imports."""
    found: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        names = [name for name in _imported(source) if _is_test_module(name)]
        if names:
            found[str(path.relative_to(root))] = names
    return found


def _is_test_module(name: str) -> bool:
    parts = name.split(".")
    return parts[0] == "tests" and (
        parts[-1] == "conftest" or parts[-1].startswith("test_")
    )


def _imported(source: str) -> list[str]:
    """Every module ``source`` imports; ``from a import b`` counts ``a.b`` too."""
    names: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    return names
