"""A SQLite store of a million signed entries for the log benchmark, cached.

The demo is too slow at this size, so the envelopes are made directly with
``ledger.envelope`` (the code the application signs and stores with), signed
for real with ``ledger.keys.SigningKey`` in one worker process per core, and
inserted through the store's own recorder in large batches: the rows are exactly
what ``LedgerApplication.save`` writes. The signer keys are registered with
``ledger.keys.services.register_signer`` first (signed by the log key, valid from
before the first entry), so a verifier accepts every signature. Then the real
``Sealer`` seals the log and ``export_archive`` writes its bag, whose
``data/log.jsonl`` the benchmark reads as log.jsonl bytes.

The school: lessons of one school year, each a stream that opens with
``journal.LessonHeld`` and goes on with marks (``journal.MarkRecorded``) and
absences (``journal.AbsenceRecorded``), signed by the lesson's teacher. Content
is deterministic; only the registration and sealing times are not.

Everything lives in ``bench/results/.cache/log-store-v<FORMAT>-<size>/``; a directory
whose ``manifest.json`` names this format and size is reused as it is.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, StoredEvent

from bench import _cache
from ledger.application import LedgerApplication
from ledger.archive.export import export_archive
from ledger.envelope import Envelope, content_hash, format_time
from ledger.keys.directory import DEMO_PASSPHRASE, KeyDirectory, SigningKey
from ledger.keys.services import register_signer
from ledger.log import Sealer
from ledger.storage.init import initialise
from ledger.storage.stores import open_ledger

FORMAT = 1  # bump when the generated content or layout changes
ORIGIN = "letopis.bench/school-1m"
PASSPHRASE = DEMO_PASSPHRASE  # throwaway keys for a benchmark store
TEACHERS = 48
LESSON_EVENTS = 25  # one LessonHeld, then marks and absences
LESSONS_PER_DAY = 240
LESSONS_PER_CHUNK = 400  # 10 000 events per worker task and insert
KEYS_VALID_FROM = datetime(2024, 8, 1, tzinfo=UTC)
FIRST_DAY = date(2024, 9, 2)
SUBJECTS = ("алгебра", "русский язык", "литература", "физика", "история", "химия")
WORK_TYPES = ("ответ на уроке", "самостоятельная работа", "контрольная работа")
NAMESPACE = UUID("9b1f3d52-6a0e-4c59-8f43-1e2d3c4b5a69")

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``."""


@dataclass(frozen=True)
class MillionStore:
    """A generated, sealed and exported store, and how it was made."""

    path: Path
    manifest: dict[str, Any]
    reused: bool

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path / 'letopis.db'}"

    @property
    def keys(self) -> Path:
        return self.path / "keys"

    @property
    def bag(self) -> Path:
        return self.path / "bag"

    @property
    def size(self) -> int:
        return int(self.manifest["size"])


def cache_dir(size: int) -> Path:
    return _cache.RESULTS / f"log-store-v{FORMAT}-{size}"


def million_store(size: int, progress: Progress) -> MillionStore:
    """The cached store of ``size`` entries, generated first if missing."""
    path = cache_dir(size)
    manifest, reused = _cache.cached(
        path,
        FORMAT,
        lambda folder: _generate(folder, size, progress),
        valid=lambda found: found.get("size") == size,
    )
    return MillionStore(path, manifest, reused)


# -- generation ---------------------------------------------------------------------


def _generate(path: Path, size: int, progress: Progress) -> dict[str, Any]:
    url = f"sqlite:///{path / 'letopis.db'}"
    done = initialise(url, path / "keys", origin=ORIGIN, passphrase=PASSPHRASE)
    app = open_ledger(done.app_url, keys=path / "keys", passphrase=PASSPHRASE)
    timings: dict[str, float] = {}
    try:
        started = perf_counter()
        _register_teachers(app, KeyDirectory.open(path / "keys", PASSPHRASE))
        bulk = size - (app.recorder.max_notification_id() or 0)
        _insert_lessons(app.recorder, bulk, progress)
        timings["generate_sign_insert_seconds"] = perf_counter() - started
        started = perf_counter()
        checkpoint = Sealer(app).seal(
            progress=_counter(progress, "sealing", size),
        )
        timings["seal_seconds"] = perf_counter() - started
        started = perf_counter()
        export_archive(
            app, path / "bag", progress=lambda n, t: progress("exporting", n, t)
        )
        timings["export_seconds"] = perf_counter() - started
    finally:
        app.close()
    return {
        "size": checkpoint.size,
        "root": checkpoint.root.hex(),
        "origin": ORIGIN,
        "teachers": TEACHERS,
        "generated_at": datetime.now(UTC).isoformat(),
        "signing_processes": _workers(),
        **{k: round(v, 1) for k, v in timings.items()},
    }


def _counter(progress: Progress, stage: str, total: int) -> Callable[[int], None]:
    done = [0]

    def advance(n: int) -> None:
        done[0] += n
        progress(stage, done[0], total)

    return advance


def teacher_key(i: int) -> SigningKey:
    seed = hashlib.sha256(f"letopis-bench/teacher/{i}".encode()).digest()
    return SigningKey.from_seed(seed)


def _register_teachers(app: LedgerApplication, directory: KeyDirectory) -> None:
    seal = directory.log_key()
    for i in range(TEACHERS):
        register_signer(
            app,
            seal,
            public_key=teacher_key(i).public_bytes,
            holder=f"Учитель {i + 1}",
            roles=("teacher",),
            valid_from=KEYS_VALID_FROM,
        )


def _workers() -> int:
    return max(1, os.cpu_count() or 1)


def _insert_lessons(
    recorder: ApplicationRecorder, events: int, progress: Progress
) -> None:
    lessons = -(-events // LESSON_EVENTS)
    tasks = [
        (first, min(first + LESSONS_PER_CHUNK, lessons), events)
        for first in range(0, lessons, LESSONS_PER_CHUNK)
    ]
    context = multiprocessing.get_context("fork")
    inserted = 0
    with context.Pool(_workers()) as pool:
        for rows in pool.imap(_lesson_rows, tasks):
            recorder.insert_events(
                [
                    StoredEvent(stream, seq, topic, state)
                    for stream, seq, topic, state in rows
                ]
            )
            inserted += len(rows)
            progress("signing and inserting", inserted, events)


# -- one worker's share: lessons [first, stop) --------------------------------------

_KEYS: list[SigningKey] = []


def _lesson_rows(task: tuple[int, int, int]) -> list[tuple[UUID, int, str, bytes]]:
    """The signed envelopes of lessons ``[first, stop)`` as event rows."""
    first, stop, events = task
    if not _KEYS:
        _KEYS.extend(teacher_key(i) for i in range(TEACHERS))
    rows: list[tuple[UUID, int, str, bytes]] = []
    for lesson in range(first, stop):
        count = min(LESSON_EVENTS, events - lesson * LESSON_EVENTS)
        rows.extend(_lesson(lesson, count))
    return rows


def _lesson(lesson: int, count: int) -> Iterator[tuple[UUID, int, str, bytes]]:
    stream = _uuid(f"lesson/{lesson}")
    key = _KEYS[lesson % TEACHERS]
    day = FIRST_DAY + timedelta(days=_school_day(lesson // LESSONS_PER_DAY))
    start = datetime(day.year, day.month, day.day, 5, tzinfo=UTC) + timedelta(
        minutes=lesson % LESSONS_PER_DAY
    )
    klass = lesson % 33
    prev = None
    for seq in range(1, count + 1):
        kind, data = _event(lesson, klass, seq, day)
        envelope = Envelope(
            log=ORIGIN,
            stream=str(stream),
            seq=seq,
            prev=prev,
            type=kind,
            at=format_time(start + timedelta(seconds=seq, microseconds=lesson % 997)),
            data=data,
        )
        state = envelope.signed_by(key, message=envelope.signing_input()).to_bytes()
        prev = content_hash(state)
        yield stream, seq, kind, state


def _school_day(n: int) -> int:
    """Calendar days from the first school day to school day ``n`` (Mon-Fri)."""
    weeks, weekday = divmod(n, 5)
    return weeks * 7 + weekday


def _event(lesson: int, klass: int, seq: int, day: date) -> tuple[str, dict[str, Any]]:
    if seq == 1:
        return "journal.LessonHeld", {
            "class_id": str(_uuid(f"class/{klass}")),
            "subject": SUBJECTS[lesson % len(SUBJECTS)],
            "date": day.isoformat(),
            "topic": f"Урок {lesson % 120 + 1}: повторение и контроль",
        }
    pupil = str(_uuid(f"pupil/{klass}/{seq}"))
    if (lesson + seq) % 10 == 0:
        return "journal.AbsenceRecorded", {
            "lesson": str(_uuid(f"lesson/{lesson}")),
            "pupil": pupil,
            "reason": "болезнь",
        }
    return "journal.MarkRecorded", {
        "lesson": str(_uuid(f"lesson/{lesson}")),
        "pupil": pupil,
        "mark": "2345"[(lesson * 7 + seq * 3) % 4],
        "work_type": WORK_TYPES[(lesson + seq) % len(WORK_TYPES)],
        "weight": 1 + (lesson + seq) % 3,
        "comment": "",
    }


def _uuid(name: str) -> UUID:
    return UUID(
        bytes=hashlib.sha256(f"{NAMESPACE}/{name}".encode()).digest()[:16], version=4
    )
