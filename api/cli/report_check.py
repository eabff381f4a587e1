"""`letopis report check FILE (--store URL | --archive DIR)` (docs/reports.md).

Re-derives a report file (JSON, CSV, HTML or PDF) from the log at the
checkpoint it names and says whether it matches, naming every cell that
differs (:mod:`projections.reports.check`). Exit 0: it matches; 1: it
differs; 2: it cannot be checked (not a report file, or its checkpoint is not
in this log). With ``--archive`` the exported archive is restored into a
temporary SQLite store first (:mod:`ledger.archive.restore`), removed after.
The verdict is in Russian, like the differences it lists (they quote the
report's own cells); the store's URL is not repeated (it may hold a password).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import KeysOpt, open_reading, out
from ledger.application import LedgerApplication
from ledger.archive.restore import restore_archive
from ledger.keys.directory import PASSPHRASE_ENV
from projections.reports import ReportError
from projections.reports.check import Claim, Outcome, read_claim
from projections.reports.check import check as check_report
from projections.reports.pdfa import pdfa_problems

FileArg = Annotated[
    Path, typer.Argument(help="A report file: .json, .csv, .html or .pdf.", exists=True)
]
CheckStoreOpt = Annotated[
    str | None,
    typer.Option("--store", help="Re-derive the report from this store."),
]
ArchiveOpt = Annotated[
    Path | None,
    typer.Option("--archive", help="Re-derive it from this exported archive."),
]


def check(
    file: FileArg,
    keys: KeysOpt,
    store: CheckStoreOpt = None,
    archive: ArchiveOpt = None,
) -> None:
    """Re-derive a report file from the log at the checkpoint it names and say
    whether it matches, naming every cell that differs. Exit 0: it matches;
    1: it differs; 2: it cannot be checked (not a report, or its checkpoint is
    not in this log)."""
    if (store is None) == (archive is None):
        msg = "give --store URL or --archive DIR (one of them)"
        raise ReportError(msg)
    data = file.read_bytes()
    claim = read_claim(data, str(file))
    with _log_of(store, archive, keys) as ledger:
        outcome = check_report(ledger, claim)
    if claim.format == "pdf":
        found = "; ".join(pdfa_problems(data)) or (
            "XMP PDF/A-3B, output intent, шрифты встроены, вложения связаны (/AF)"
        )
        _say(f"PDF/A: {found}")
    against = "с хранилищем" if store else f"с архивом {archive}"
    _say(f"{file}: {_claimed(claim)}; сверка {against}: {_verdict(outcome)}")
    for difference in outcome.differences:
        _say(f"  - {difference}")
    if not outcome.matches:
        raise typer.Exit(1)


def _claimed(claim: Claim) -> str:
    evidence = claim.evidence
    return (
        f"отчёт {claim.report} ({claim.format}), контрольная точка "
        f"{evidence.origin}, размер {evidence.tree_size}"
    )


def _verdict(outcome: Outcome) -> str:
    if outcome.matches:
        return f"совпадает с журналом ({outcome.expected_digest})"
    return f"НЕ СОВПАДАЕТ, расхождений {len(outcome.differences)}:"


def _say(text: str) -> None:
    out.print(text, markup=False, highlight=False, soft_wrap=True)


@contextmanager
def _log_of(
    store: str | None, archive: Path | None, keys: Path
) -> Iterator[LedgerApplication]:
    """The ledger to re-derive from: the store, or the archive restored into a
    temporary SQLite store, removed after."""
    with tempfile.TemporaryDirectory(prefix="letopis-check-") as folder:
        if store is not None:
            ledger = open_reading(store, keys)
        else:
            assert archive is not None
            given = os.environ.get(PASSPHRASE_ENV) or None
            ledger = restore_archive(archive, keys, given, Path(folder))
        try:
            yield ledger
        finally:
            ledger.close()
