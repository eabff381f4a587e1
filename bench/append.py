"""Signed append (Letopis) versus plain eventsourcing append, in one process.

Baseline: an ``eventsourcing.application.Application`` with the library's default
mapper and JSON transcoder on the same kind of store. Letopis: ``open_ledger``
after ``initialise``, saving with ``signed_by=Signing(teacher key)``. Both save the
same mark-like events, in two shapes:

- one event per save: one open mark sheet, one new mark per save;
- 100 events per save: a new sheet (opened + 99 marks) per save, so nothing is
  read back from the store.

Only the ``save()`` calls are timed (``time.perf_counter``); building the events
is not. Each measurement runs 3 times, plain and signed interleaved (their order
alternating), after a warm-up; the table shows the best (fastest) of the 3.
The bound is plain eventsourcing plus the signature alone (one Ed25519
signature per event): what signing must cost at least. The signature is timed
inside each repeat, beside plain and signed, so that all three share the
machine's load of the moment (it is shared, and a signature timed at another
moment moved the bound by a third). On PostgreSQL the baseline keeps the
library's own recorder; Letopis inserts through ``ledger.storage.pg_recorder``.
The target (issue 17): signed ≥ 0.8 × that bound for 100-event saves, on
SQLite and on PostgreSQL. When it is missed, the signed save is profiled and
its hot spots inside ``ledger/`` are printed.
"""

from __future__ import annotations

import json
import platform
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from time import perf_counter
from typing import Any, ClassVar, Unpack
from uuid import UUID, uuid4

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from rich.console import Console
from rich.table import Table

from bench import _profile
from ledger.application import LedgerApplication, Signing
from ledger.events import register_event_types
from ledger.keys.directory import DEMO_PASSPHRASE, KeyDirectory, SigningKey
from ledger.keys.services import register_signer
from ledger.storage.init import initialise
from ledger.storage.stores import RECORDER_TOPIC_ENV, open_ledger, parse_store_url
from tests.support import pg

ORIGIN = "letopis.bench/school-0"
PASSPHRASE = DEMO_PASSPHRASE  # throwaway keys in a temp directory
REPO = Path(__file__).resolve().parent.parent
POLICY = Path(__file__).with_name("policy.toml")
RESULTS = Path(__file__).with_name("results") / "append.json"
REPEATS = 3
TARGET_RATIO = 0.8  # of the bound: plain + one signature per event
TARGET_SHAPE = "100/save"
PUPILS = tuple(uuid4() for _ in range(30))


@register_event_types
class MarkSheet(Aggregate):
    """A lesson's marks: a stand-in for the journal, for this benchmark only."""

    class Opened(Aggregate.Created):
        """bench.LessonOpened: a lesson was held and its mark sheet opened."""

        TOPIC: ClassVar[str] = "bench.LessonOpened"
        lesson: UUID
        subject: str

    class MarkRecorded(Aggregate.Event):
        """bench.MarkRecorded: a teacher gave a pupil a mark in the lesson."""

        TOPIC: ClassVar[str] = "bench.MarkRecorded"
        pupil: UUID
        lesson: UUID
        mark: str
        work_type: str
        weight: int
        comment: str

    def __init__(self, lesson: UUID, subject: str) -> None:
        self.lesson = lesson
        self.subject = subject

    @classmethod
    def open(cls) -> MarkSheet:
        return cls._create(cls.Opened, id=uuid4(), lesson=uuid4(), subject="алгебра")

    def record_mark(self, pupil: UUID) -> None:
        self.trigger_event(
            self.MarkRecorded,
            pupil=pupil,
            lesson=self.lesson,
            mark="5",
            work_type="контрольная работа",
            weight=2,
            comment="без ошибок, аккуратно",
        )


class PlainApplication(Application[UUID]):
    """The baseline: eventsourcing as it comes, nothing signed or chained."""

    name = "PlainBench"


@dataclass(frozen=True)
class Shape:
    """How many saves a run makes, and how many events each save appends."""

    name: str
    saves: int
    events_per_save: int
    warmup_saves: int

    @property
    def events(self) -> int:
        return self.saves * self.events_per_save


SHAPES = (
    Shape("1/save", saves=300, events_per_save=1, warmup_saves=30),
    Shape(TARGET_SHAPE, saves=30, events_per_save=100, warmup_saves=3),
)

Save = Callable[[MarkSheet], object]


class MarkWriter:
    """Makes the aggregates a run saves: new events only, never loaded."""

    def __init__(self, save: Save) -> None:
        self.save = save
        self._open_sheet = MarkSheet.open()
        save(self._open_sheet)
        self._next_pupil = 0

    def pending(self, events: int) -> MarkSheet:
        """An aggregate with ``events`` new events, ready to save."""
        if events == 1:
            self._mark(self._open_sheet)
            return self._open_sheet
        sheet = MarkSheet.open()
        for _ in range(events - 1):
            self._mark(sheet)
        return sheet

    def _mark(self, sheet: MarkSheet) -> None:
        sheet.record_mark(PUPILS[self._next_pupil % len(PUPILS)])
        self._next_pupil += 1

    def run(self, shape: Shape, saves: int) -> float:
        """Seconds spent inside ``save()`` for ``saves`` saves of this shape."""
        elapsed = 0.0
        for _ in range(saves):
            sheet = self.pending(shape.events_per_save)
            start = perf_counter()
            self.save(sheet)
            elapsed += perf_counter() - start
        return elapsed


@dataclass
class Measurement:
    """The timed runs of one variant (plain or signed) in one shape."""

    events: int
    seconds: list[float] = field(default_factory=list)

    @property
    def best_events_per_second(self) -> float:
        return self.events / min(self.seconds)

    @property
    def median_events_per_second(self) -> float:
        return self.events / sorted(self.seconds)[len(self.seconds) // 2]


@dataclass
class Row:
    """One line of the table: a store, a shape, plain and (maybe) signed, and
    the seconds per signature timed beside them (best of the repeats)."""

    store: str
    shape: str
    plain: Measurement
    signed: Measurement | None
    sign_seconds: float
    skipped: str | None = None

    @property
    def ratio(self) -> float | None:
        if self.signed is None:
            return None
        plain = self.plain.best_events_per_second
        return self.signed.best_events_per_second / plain

    @property
    def bound(self) -> float:
        """The best signed/plain ratio possible if one signature per event were
        the only work signing added: plain time / (plain time + signature)."""
        plain = 1 / self.plain.best_events_per_second
        return plain / (plain + self.sign_seconds)

    @property
    def of_bound(self) -> float | None:
        """Signed throughput as a share of the bound's (1.0: signing costs
        nothing but the signature)."""
        if self.ratio is None:
            return None
        return self.ratio / self.bound


SIGNATURE_SAMPLES = 2000
_SIGNING_KEY = SigningKey.from_seed(bytes(32))
_MESSAGE = b"letopis/event/v1\n" + bytes(470)  # the size of a mark's signing input


def signature_seconds(samples: int = SIGNATURE_SAMPLES) -> float:
    """Seconds per Ed25519 signature with the ledger's own signer, on a message
    the size of a mark's signing input: one sample, timed now."""
    start = perf_counter()
    for _ in range(samples):
        _SIGNING_KEY.sign(_MESSAGE)
    return (perf_counter() - start) / samples


def measure(
    store: str, plain: Save, signed: Save | None, skipped: str | None
) -> list[Row]:
    """Warm up, then time each shape ``REPEATS`` times, plain and signed in turn."""
    writers = {"plain": MarkWriter(plain)}
    if signed is not None:
        writers["signed"] = MarkWriter(signed)
    rows = []
    for shape in SHAPES:
        runs = {name: Measurement(shape.events) for name in writers}
        signature = float("inf")
        for writer in writers.values():
            writer.run(shape, shape.warmup_saves)
        for repeat in range(REPEATS):
            order = list(writers) if repeat % 2 == 0 else list(reversed(writers))
            for name in order:
                runs[name].seconds.append(writers[name].run(shape, shape.saves))
            signature = min(signature, signature_seconds())
        measured = runs["plain"], runs.get("signed")
        rows.append(Row(store, shape.name, *measured, signature, skipped))
    return rows


# -- stores ------------------------------------------------------------------------


@contextmanager
def signed_application(
    admin_url: str, keys: Path, **roles: Unpack[pg.Roles]
) -> Iterator[Save]:
    """An initialised ledger with a registered teacher key; yields its save."""
    done = initialise(
        admin_url,
        keys,
        origin=ORIGIN,
        passphrase=PASSPHRASE,
        signing_policy=POLICY,  # the log's first policy: the writer reads it there
        **roles,
    )
    app = open_ledger(done.app_url, keys=keys, passphrase=PASSPHRASE)
    try:
        signing = Signing(_register_teacher(app, keys))
        yield lambda sheet: app.save(sheet, signed_by=signing)
    finally:
        app.close()


def _register_teacher(app: LedgerApplication, keys: Path) -> SigningKey:
    teacher = SigningKey.generate()
    register_signer(
        app,
        KeyDirectory.open(keys, PASSPHRASE).log_key(),
        public_key=teacher.public_bytes,
        holder="Bench Teacher",
        roles=("teacher",),
        valid_from=datetime.now(UTC) - timedelta(minutes=1),
    )
    return teacher


def bench_sqlite(console: Console) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="letopis-bench-") as tmp:
        root = Path(tmp)
        plain = PlainApplication(
            env={
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(root / "plain.db"),
            }
        )
        try:
            url = f"sqlite:///{root / 'letopis.db'}"
            with signed_application(url, root / "keys") as signed:
                console.print("SQLite: measuring plain and signed append …")
                return measure("sqlite", plain.save, signed, None)
        finally:
            plain.close()


def bench_postgres(console: Console) -> list[Row]:
    reason = pg.unreachable_reason(pg.BENCH_SERVER)
    if reason is not None:
        console.print(f"[bold red]PostgreSQL SKIPPED entirely:[/] {reason}")
        return []
    with (
        ExitStack() as stack,
        tempfile.TemporaryDirectory(prefix="letopis-bench-") as tmp,
    ):
        db = stack.enter_context(
            pg.throwaway_database("letopis_bench", pg.BENCH_SERVER)
        )
        console.print(f"PostgreSQL: database {db.name} (dropped at the end)")
        env = dict(parse_store_url(db.admin_url).env)
        env.update({"CREATE_TABLE": "y", "POSTGRES_SCHEMA": "public"})
        del env[RECORDER_TOPIC_ENV]  # the baseline: the library's own recorder
        plain = PlainApplication(env=env)
        stack.callback(plain.close)
        signed, skipped = _try_signed_postgres(stack, db, Path(tmp) / "keys")
        if skipped is not None:
            console.print(f"[bold red]PostgreSQL signed append SKIPPED:[/] {skipped}")
        what = "plain append only" if signed is None else "plain and signed append"
        console.print(f"PostgreSQL: measuring {what} …")
        return measure("postgresql", plain.save, signed, skipped)


def _try_signed_postgres(
    stack: ExitStack, db: pg.PostgresDatabase, keys: Path
) -> tuple[Save | None, str | None]:
    roles = db.roles()
    try:
        save = stack.enter_context(signed_application(db.admin_url, keys, **roles))
    except ModuleNotFoundError as e:
        why = (
            f"initialise() could not import {e.name} ({e}); "
            "only the plain baseline was measured on PostgreSQL"
        )
        return None, why
    except Exception as e:  # report any setup failure and keep benchmarking
        return None, f"initialise() or signing setup failed: {type(e).__name__}: {e}"
    return save, None


# -- report ------------------------------------------------------------------------


def table(rows: list[Row]) -> Table:
    out = Table(title="Append throughput in events/s (best of 3, time in save())")
    out.add_column("store", no_wrap=True)
    out.add_column("shape", no_wrap=True)
    columns = ("events", "plain", "signed", "signed/plain", "sig µs", "bound")
    for name in (*columns, "of bound"):
        out.add_column(name, justify="right", no_wrap=True)
    out.add_column(f"≥ {TARGET_RATIO}× bound", no_wrap=True)
    for row in rows:
        share = row.of_bound
        out.add_row(
            row.store,
            row.shape,
            str(row.plain.events),
            f"{row.plain.best_events_per_second:,.0f}",
            f"{row.signed.best_events_per_second:,.0f}" if row.signed else "skipped",
            f"{row.ratio:.2f}×" if row.ratio is not None else "—",
            f"{row.sign_seconds * 1e6:.1f}",
            f"{row.bound:.2f}×",
            "—" if share is None else f"{share:.2f}×",
            _target_cell(row, share),
        )
    return out


def _target_cell(row: Row, share: float | None) -> str:
    if row.shape != TARGET_SHAPE:
        return "n/a"
    if share is None:
        return "not measured"
    return "[green]met[/]" if share >= TARGET_RATIO else "[red]missed[/]"


def verdict(rows: list[Row]) -> tuple[str, dict[str, Any]]:
    """The target line: met only when measured and met on both stores."""
    targets = {r.store: r for r in rows if r.shape == TARGET_SHAPE}
    parts = []
    per_store: dict[str, Any] = {}
    for store in ("sqlite", "postgresql"):
        row = targets.get(store)
        share = None if row is None else row.of_bound
        if share is None:
            per_store[store] = None
            parts.append(f"{store} not measured")
        else:
            per_store[store] = round(share, 3)
            parts.append(f"{store} {share:.2f}×")
    measured = [r for r in per_store.values() if r is not None]
    if any(r < TARGET_RATIO for r in measured):
        outcome = "MISSED"
    elif len(measured) < len(per_store):
        outcome = "NOT ESTABLISHED"
    else:
        outcome = "MET"
    line = (
        f"Target signed ≥ {TARGET_RATIO}× the bound (plain + signature) for "
        f"{TARGET_SHAPE} on both stores: "
        f"{outcome} ({'; '.join(parts)})"
    )
    return line, {"outcome": outcome, "share_of_bound_by_store": per_store}


def write_results(
    rows: list[Row],
    summary: dict[str, Any],
    spots: list[dict[str, Any]],
    seconds: float,
) -> Path:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "benchmark": "append",
        "written_at": datetime.now(UTC).isoformat(),
        "total_seconds": round(seconds, 1),
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "eventsourcing": metadata.version("eventsourcing"),
        },
        "method": {
            "repeats": REPEATS,
            "statistic": "best of repeats (fastest run); median also given",
            "timed": "time.perf_counter around each save() call, summed per run",
            "shapes": [asdict(s) for s in SHAPES],
        },
        "target": {"shape": TARGET_SHAPE, "min_ratio": TARGET_RATIO, **summary},
        "rows": [_row_json(r) for r in rows],
        "signed_hotspots_in_ledger": spots,
    }
    RESULTS.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return RESULTS


def _row_json(row: Row) -> dict[str, Any]:
    def variant(m: Measurement | None) -> dict[str, Any] | None:
        if m is None:
            return None
        return {
            "seconds": [round(s, 4) for s in m.seconds],
            "best_events_per_second": round(m.best_events_per_second, 1),
            "median_events_per_second": round(m.median_events_per_second, 1),
        }

    return {
        "store": row.store,
        "shape": row.shape,
        "events_per_run": row.plain.events,
        "plain": variant(row.plain),
        "signed": variant(row.signed),
        "ratio_signed_to_plain": None if row.ratio is None else round(row.ratio, 3),
        "seconds_per_signature": round(row.sign_seconds, 9),
        "bound": round(row.bound, 3),
        "skipped": row.skipped,
    }


def hotspots(console: Console) -> list[dict[str, Any]]:
    """Profile signed 100-event saves on SQLite; print where ``ledger/`` spends it."""
    shape = next(s for s in SHAPES if s.name == TARGET_SHAPE)
    with tempfile.TemporaryDirectory(prefix="letopis-bench-") as tmp:
        root = Path(tmp)
        url = f"sqlite:///{root / 'letopis.db'}"
        with signed_application(url, root / "keys") as save:
            writer = MarkWriter(save)
            writer.run(shape, shape.warmup_saves)
            found = _profile.profile(lambda: writer.run(shape, shape.saves))
    inside = found.inside(REPO / "ledger", top=12)
    title = f"Signed {TARGET_SHAPE} on SQLite under cProfile"
    console.print(found.table(f"{title}: ledger/ by cumulative time", inside, REPO))
    leaves = found.leaves(top=8)
    console.print(found.table(f"{title}: anywhere, by own time", leaves, REPO))
    return [asdict(s) for s in inside]


def run(console: Console) -> None:
    """Measure both stores, print the table and the verdict, write the JSON.

    When signed append misses the target, profile it and print the hot spots.
    """
    started = perf_counter()
    rows = bench_sqlite(console) + bench_postgres(console)
    console.print(table(rows))
    console.print(
        f"best of {REPEATS} runs (plain and signed interleaved, after a warm-up); "
        "only save() is timed.\nbound: the best ratio possible if one Ed25519 "
        "signature per event (sig µs, timed in each repeat beside plain and "
        "signed) were all that signing added."
    )
    line, summary = verdict(rows)
    console.print(line)
    spots = hotspots(console) if summary["outcome"] == "MISSED" else []
    summary["bound_by_row"] = {f"{r.store} {r.shape}": round(r.bound, 3) for r in rows}
    path = write_results(rows, summary, spots, perf_counter() - started)
    console.print(f"wrote {path.relative_to(REPO)} in {perf_counter() - started:.0f} s")
