"""``python -m bench [NAME ...]``: run every benchmark in ``bench/`` (or the named).

Each benchmark module is a public module of this package with a ``run(console)``
function; modules whose names start with ``_`` are helpers.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from types import ModuleType

from rich.console import Console

import bench


def benchmarks() -> dict[str, ModuleType]:
    """Every benchmark module in ``bench/``, by name, in name order."""
    names = sorted(
        m.name
        for m in pkgutil.iter_modules(bench.__path__)
        if not m.name.startswith("_")
    )
    modules = {n: importlib.import_module(f"bench.{n}") for n in names}
    return {n: m for n, m in modules.items() if callable(getattr(m, "run", None))}


def main(argv: list[str]) -> int:
    found = benchmarks()
    unknown = sorted(set(argv) - set(found))
    if unknown:
        print(
            f"no benchmark named {', '.join(unknown)}; available: {', '.join(found)}",
            file=sys.stderr,
        )
        return 2
    # Piped or logged output gets room for the tables; a terminal keeps its width.
    console = Console(width=None if sys.stdout.isatty() else 110)
    for name, module in found.items():
        if argv and name not in argv:
            continue
        console.rule(f"bench.{name}")
        module.run(console)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
