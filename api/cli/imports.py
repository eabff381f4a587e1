"""`letopis import`: onboarding and earlier records from spreadsheets.

``letopis import KIND FILE --as WHO`` for staff, classes, pupils, teaching,
marks and exams (XLSX, ODS or CSV): every row is checked first and nothing is
written unless all pass; a refusal lists every bad row. Then the rows are
appended in signed saves by that signer (a key label or a personnel number, as
for `letopis record`), and sealed.
``letopis import template KIND --out FILE.xlsx`` writes the kind's template.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from api.cli.common import KeysOpt, StoreOpt, err, out
from api.cli.record import SchoolOpt
from api.cli.record import _open as open_recording
from api.cli.record import _signing_key as signing_key
from api.imports import KINDS, run_import, write_template
from ledger.application import Signing
from ledger.log import Sealer

app = typer.Typer(
    name="import",
    help="Import staff, classes, pupils, teaching, marks or exams from a "
    "spreadsheet (XLSX, ODS, CSV); write templates.",
    no_args_is_help=True,
)

FileArg = Annotated[
    Path,
    typer.Argument(help="The spreadsheet: .xlsx, .ods or .csv.", exists=True),
]
SignerOpt = Annotated[
    str,
    typer.Option(
        "--as",
        help="Who signs: a key label or a personnel number (a staff member whose "
        "role may record these rows), as for `letopis record`.",
    ),
]
YearOpt = Annotated[
    str | None,
    typer.Option(
        "--year", help="The academic year the rows belong to, e.g. 2024/2025."
    ),
]

HELP = {
    "staff": "Register staff: personnel number, position, full name.",
    "classes": "Open the classes of a year with their class teachers.",
    "pupils": "Enrol pupils: identity, class, date and order of admission.",
    "teaching": "Assign teachers to classes' subjects (and subgroups).",
    "marks": "Bring an earlier journal in as signed history, marked as imported.",
    "exams": "Import state exam results from a regional centre's protocol.",
}


def _command(kind: str) -> Callable[..., None]:
    def command(
        file: FileArg,
        store: StoreOpt,
        keys: KeysOpt,
        signer: SignerOpt,
        school: SchoolOpt = None,
        year: YearOpt = None,
    ) -> None:
        # The school and the signer are found as `letopis record` finds them.
        opened = open_recording(store, keys, school, None)
        try:
            signing = Signing(signing_key(opened, keys, signer))
            with _bar() as bar:
                checking = bar.add_task("проверка строк", total=None)
                writing = bar.add_task("запись", total=None, visible=False)
                done = run_import(
                    kind,
                    file,
                    opened.records,
                    signing,
                    year=year,
                    checked=lambda n: bar.advance(checking, n),
                    counted=lambda n: bar.update(writing, total=n, visible=True),
                    progress=lambda n: bar.advance(writing, n),
                )
            Sealer(opened.app).seal()
        finally:
            opened.close()
        out.print(
            f"imported {done.rows} rows of {file.name} ({kind}): {done.written} "
            f"records appended and sealed; sha256 {done.sha256}",
            highlight=False,
            soft_wrap=True,
        )

    command.__doc__ = HELP[kind]
    return command


def _bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,  # stdout keeps only the result
        transient=True,
    )


for _kind in KINDS:
    app.command(_kind)(_command(_kind))


@app.command("template")
def template(
    name: Annotated[str, typer.Argument(help=f"One of: {', '.join(KINDS)}.")],
    out_file: Annotated[
        Path, typer.Option("--out", help="The new template, FILE.xlsx.")
    ],
) -> None:
    """Write the XLSX template of an import, with Russian column headers."""
    written = write_template(name, out_file)
    out.print(f"template {name} written to {written}", highlight=False)
