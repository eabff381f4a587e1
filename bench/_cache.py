"""Large benchmark inputs, made once and kept under ``bench/results/.cache/``.

A cached folder holds a ``manifest.json`` naming the format it was made in. It
is made in ``<name>.partial`` and renamed when complete, so an interrupted run
leaves nothing that looks finished; a folder of another format is made again.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("results") / ".cache"  # skipped by mypy and ruff

Manifest = dict[str, Any]


def cached(
    path: Path,
    fmt: int,
    make: Callable[[Path], Manifest],
    *,
    valid: Callable[[Manifest], bool] = lambda _: True,
) -> tuple[Manifest, bool]:
    """The manifest of the folder at ``path`` and whether it was reused; made
    first with ``make(folder)`` (which returns the manifest) if missing, of
    another format, or not ``valid``."""
    manifest = _manifest(path, fmt)
    if manifest is not None and valid(manifest):
        return manifest, True
    shutil.rmtree(path, ignore_errors=True)
    partial = path.with_name(path.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    manifest = {"format": fmt, **make(partial)}
    (partial / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    partial.rename(path)
    return manifest, False


def _manifest(path: Path, fmt: int) -> Manifest | None:
    try:
        found: Manifest = json.loads((path / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    return found if found.get("format") == fmt else None
