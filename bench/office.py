"""The office's pages: the forms and reports of the records office, the deputy
director, the director and the class teacher, beside ``/health`` in the same
run.

On a copy of the demo school that ``bench.reports`` makes and caches (330
pupils, one year), served by the application in this process (Starlette's
test client): the secretary opens the enrolment form and the move form (which
lists every pupil of the school by name), the deputy a grade-9 class's
council form and the periods, the director the co-signature queue, the class
teacher of that class the roster, the summary statement and a personal file.
Each page is read ``ROUNDS`` times after one warm-up. Latencies (median, p95)
are printed and written to ``bench/results/office.json``; nothing is asserted
(STYLE §10).
"""

from __future__ import annotations

import json
import platform
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path
from uuid import UUID

from fastapi.testclient import TestClient
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table

from api.server.accounts import Account
from api.server.app import create_app
from api.server.listing import LiveRecords
from api.server.office import Office
from api.server.settings import Settings
from bench import _cache, reports
from bench.diary import PASSWORD, RESULTS, Timing, signed_in, timed
from ledger.keys.directory import DEMO_PASSPHRASE


def accounts(office: Office) -> tuple[str, str]:
    """A secretary, a deputy, a director and the class teacher of a grade-9
    class of the latest year (each with a staff member's id); the class and
    one of its pupils."""
    live = LiveRecords(office.app)
    facts = live.facts()
    year = max(facts.years)
    klass = next(
        k for k in facts.classes.values() if k["year"] == year and k["grade"] == 9
    )
    pupil = next(
        r.pupil
        for r in live.rows("view_people", "class_id = ?", (klass["id"],))
        if r.pupil
    )
    staff = live.rows("view_school", "type = ?", ("people.StaffMemberRegistered",))
    anyone = UUID(staff[0].stream)
    for login, roles, who in (
        ("bench-secretary", ("secretary",), anyone),
        ("bench-deputy", ("deputy_director",), anyone),
        ("bench-director", ("director",), anyone),
        ("bench-class", ("class_teacher",), UUID(klass["class_teacher"])),
    ):
        office.accounts.add(Account(login, roles, staff=who), PASSWORD)
    return klass["id"], pupil


def pages(app: object, office: Office) -> list[Timing]:
    klass, pupil = accounts(office)
    secretary = signed_in(app, "bench-secretary")
    deputy = signed_in(app, "bench-deputy")
    director = signed_in(app, "bench-director")
    teacher = signed_in(app, "bench-class")
    return [
        timed(secretary, "/health (baseline)", "/health"),
        timed(secretary, "office: enrolment form", "/app/office/forms/enrol"),
        timed(secretary, "office: move form (all pupils)", "/app/office/forms/move"),
        timed(
            deputy,
            "deputy: council form (a class)",
            f"/app/deputy/forms/council?class={klass}",
        ),
        timed(deputy, "deputy: periods", "/app/deputy/periods"),
        timed(director, "director: queue", "/app/director"),
        timed(teacher, "class: roster", "/app/class"),
        timed(teacher, "class: summary statement", f"/app/class/{klass}/summary"),
        timed(teacher, "class: personal file", f"/app/class/{klass}/pupils/{pupil}"),
    ]


def run(console: Console) -> None:
    path = _cache.RESULTS / f"reports-demo-v{reports.FORMAT}-{reports.STUDENTS}x1"
    manifest, reused = _cache.cached(path, reports.FORMAT, reports._demo)
    console.print(
        f"demo school: {reports.STUDENTS} pupils, one year "
        f"({'cached' if reused else 'made now'}, {path}); a copy is served"
    )
    with tempfile.TemporaryDirectory(prefix="bench-office-") as scratch:
        copy = Path(scratch)
        shutil.copy(path / "letopis.db", copy / "letopis.db")
        shutil.copytree(path / "keys", copy / "keys")
        settings = Settings(
            store=f"sqlite:///{copy / 'letopis.db'}",
            keys=copy / "keys",
            key_passphrase=SecretStr(DEMO_PASSPHRASE),
            token_secret=SecretStr("o" * 48),
            seal_process=False,
            demo=True,
            password_time_cost=1,
            password_memory_kib=1024,
        )
        app = create_app(settings)
        office: Office = app.state.office
        try:
            with TestClient(app):  # the lifespan: the sealer runs, /health is up
                found = pages(app, office)
        finally:
            office.close()
    table = Table(title=f"Office pages, demo school of {reports.STUDENTS} (SQLite)")
    for column in ("page", "reads", "median ms", "p95 ms"):
        table.add_column(column, justify="left" if column == "page" else "right")
    for t in found:
        table.add_row(t.page, str(t.reads), f"{t.median_ms:.1f}", f"{t.p95_ms:.1f}")
    console.print(table)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "office.json").write_text(
        json.dumps(
            {
                "machine": platform.platform(),
                "demo": manifest,
                "timings": [asdict(t) for t in found],
            },
            indent=2,
        )
        + "\n"
    )
