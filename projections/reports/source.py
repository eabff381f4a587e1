"""What a report is built from: the records view cut at a checkpoint.

:func:`open_source` catches the records view up to the log, then fixes the
point the report shows (:class:`Cut`) and the checkpoint that proves it
(:class:`~projections.reports.model.Provenance`):

- by default the latest signed checkpoint: the report holds exactly the events
  it covers (leaves ``0 … size-1``), not later, unsealed ones;
- ``AsOf(tree_size=N)``: the first ``N`` leaves; the checkpoint of size ``N``
  when one was signed, else the root of the stored tree at ``N``;
- ``AsOf(date=D)``: the events of the latest checkpoint whose ``at`` is before
  the end of ``D`` in the school's own time zone (``SchoolRegistered.timezone``,
  e.g. Europe/Moscow): «as of 14 October» means what the school had recorded by
  the end of that day where the school is.

Before a report reads them, the views are compared with the log up to that
point (:func:`refuse_unless_true`): a changed, added or missing row refuses
the report (:class:`ViewsDisagreeError`).

A size beyond the latest checkpoint, or a date after the school-local date of
the last event that checkpoint covers, is bad input (:class:`ReportError`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from time import sleep
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ledger.application import LedgerApplication
from ledger.envelope import format_time, parse_time
from ledger.log import LogStore, StoredCheckpoint, StoredTree
from ledger.storage.sql import SqlStore
from projections.audit import audit_views, first_lines
from projections.reports.errors import ReportError, ViewsDisagreeError
from projections.reports.model import Provenance
from projections.runner import ProjectionConflictError, ProjectionRunner
from projections.views import RecordsView

#: events a batch when reports catch the view up (fewer commits, bounded memory)
REPORT_BATCH = 5000
CATCH_UP_ATTEMPTS = 8
#: positions a query when naming the leaves a report read
LEAF_BATCH = 500


@dataclass(frozen=True)
class AsOf:
    """Which moment a report shows: a school-local date or a tree size."""

    date: date | None = None
    tree_size: int | None = None


@dataclass(frozen=True)
class Cut:
    """The rows a report may read: ``position <= position`` and, for a date,
    ``at < before`` (RFC 3339 UTC text, compared as text)."""

    position: int
    before: str | None = None

    def clause(self) -> tuple[str, tuple[Any, ...]]:
        if self.before is None:
            return "position <= ?", (self.position,)
        return "position <= ? AND at < ?", (self.position, self.before)


@dataclass
class Record:
    """One history row of the records view, with its data decoded."""

    position: int
    at: str
    event: str
    type: str
    stream: str
    class_id: str | None
    pupil: str | None
    subject: str | None
    year: str | None
    day: str | None
    target: str | None
    data: dict[str, Any]


def views_runner(app: LedgerApplication) -> ProjectionRunner:
    """The runner of the records view on ``app``'s store."""
    return ProjectionRunner(app, [RecordsView()], name="records", batch=REPORT_BATCH)


def catch_up(runner: ProjectionRunner, position: int) -> None:
    """Apply the log up to at least ``position``; another runner racing on the
    same view (a report being rendered beside this one) is waited for."""
    problem = ""
    for attempt in range(CATCH_UP_ATTEMPTS):
        try:
            runner.run()
        except ProjectionConflictError as e:
            problem = f": {e}"
            sleep(0.05 * (attempt + 1))
            continue
        if runner.position() >= position:
            return
    msg = (
        f"the records view did not reach log position {position}{problem}; "
        "if this persists, run `letopis rebuild`"
    )
    raise ReportError(msg)


class Source:
    """The records view cut at one point, with the checkpoint proving it."""

    def __init__(
        self, runner: ProjectionRunner, cut: Cut, provenance: Provenance
    ) -> None:
        self.runner = runner
        self.cut = cut
        self.provenance = provenance
        #: log positions of the rows read, while a report counts them
        self.read: set[int] | None = None

    def rows(
        self,
        table: str,
        where: str = "",
        params: Sequence[Any] = (),
        *,
        types: Iterable[str] = (),
    ) -> list[Record]:
        """Rows of ``table`` inside the cut, in log order."""
        clause, cut_params = self.cut.clause()
        conditions = [clause]
        values: list[Any] = list(cut_params)
        wanted = list(types)
        if wanted:
            conditions.append(f"type IN ({', '.join('?' * len(wanted))})")
            values.extend(wanted)
        if where:
            conditions.append(f"({where})")
            values.extend(params)
        sql = (
            f"SELECT * FROM {{{table}}} WHERE {' AND '.join(conditions)} "
            "ORDER BY position"
        )
        found = [_record(r) for r in self.runner.store.query(sql, values)]
        if self.read is not None:
            self.read.update(r.position for r in found)
        return found

    def leaf_indexes(self, positions: Iterable[int]) -> tuple[int, ...]:
        """The leaf indexes of the events at these log positions, in order."""
        wanted = sorted(positions)
        found: list[int] = []
        store = SqlStore(self.runner.app.recorder, ("log_leaves",))
        for start in range(0, len(wanted), LEAF_BATCH):
            chunk = wanted[start : start + LEAF_BATCH]
            rows = store.query(
                "SELECT leaf_index FROM {log_leaves} WHERE notification_id IN "
                f"({', '.join('?' * len(chunk))})",
                chunk,
            )
            found.extend(int(r["leaf_index"]) for r in rows)
        return tuple(sorted(found))


def _record(row: Any) -> Record:
    return Record(
        position=int(row["position"]),
        at=row["at"],
        event=row["event"],
        type=row["type"],
        stream=row["stream"],
        class_id=row["class_id"],
        pupil=row["pupil"],
        subject=row["subject"],
        year=row["year"],
        day=row["day"],
        target=row["target"],
        data=json.loads(row["data"]),
    )


def open_source(
    app: LedgerApplication, as_of: AsOf | None, *, audited: bool = True
) -> Source:
    """Catch the view up and cut it where ``as_of`` says (see the module).

    ``audited=False`` skips the comparison of the views with the log: for the
    web diary, which shows one pupil's rows at the latest checkpoint on every
    page view (a re-projection each time a checkpoint is signed would cost as
    much as a rebuild) and proves each entry it shows from the log itself
    (its inclusion proof, checked in the browser); printed reports keep it."""
    as_of = as_of or AsOf()
    if as_of.date is not None and as_of.tree_size is not None:
        msg = "ask for a report as of a date or as of a tree size, not both"
        raise ReportError(msg)
    log = LogStore(app.recorder)
    latest = log.latest_checkpoint()
    if latest is None:
        msg = "the log has no signed checkpoint yet: run `letopis seal` first"
        raise ReportError(msg)
    size = latest.size if as_of.tree_size is None else as_of.tree_size
    if not 1 <= size <= latest.size:
        msg = (
            f"tree size {size} is outside the log: the latest checkpoint covers "
            f"{latest.size} events; allowed: 1 to {latest.size}"
        )
        raise ReportError(msg)
    position = _position_of_leaf(log, size - 1)
    runner = views_runner(app)
    catch_up(runner, position)
    if audited:
        refuse_unless_true(app, runner, position)
    provenance = _provenance(app, log, latest, size)
    source = Source(runner, Cut(position), provenance)
    if as_of.date is not None:
        source = cut_at_date(source, as_of.date)
    return source


def refuse_unless_true(
    app: LedgerApplication, runner: ProjectionRunner, upto: int
) -> None:
    """Refuse to report from views that disagree with the log up to the
    checkpoint the report names, or lag behind it (``projections.audit``)."""
    audit = audit_views(app, runner, upto)
    if not audit.ok:
        msg = (
            f"the report views disagree with the log up to position {upto} "
            f"({len(audit.findings)} finding(s)); no report is made from them. "
            f"Run `letopis verify`, then `letopis rebuild`:\n"
            + first_lines(audit.findings)
        )
        raise ViewsDisagreeError(msg)


def _position_of_leaf(log: LogStore, index: int) -> int:
    leaf = log.leaf(index)
    if leaf is None:
        msg = f"leaf {index} is missing from the stored log: the log is damaged"
        raise ReportError(msg)
    return leaf.notification_id


def _provenance(
    app: LedgerApplication, log: LogStore, latest: StoredCheckpoint, size: int
) -> Provenance:
    signed = latest if latest.size == size else _checkpoint_of(app, size)
    root = signed.root if signed else StoredTree(log).root(size)
    return Provenance(
        origin=app.context.origin,
        tree_size=size,
        root=base64.b64encode(root).decode(),
        checkpoint=signed.note if signed else None,
        latest_size=latest.size,
    )


def _checkpoint_of(app: LedgerApplication, size: int) -> StoredCheckpoint | None:
    """The checkpoint signed at exactly ``size``, if any (one indexed read)."""
    rows = SqlStore(app.recorder, ("log_checkpoints",)).query(
        "SELECT tree_size, root, note, signed_at FROM {log_checkpoints} "
        "WHERE tree_size = ?",
        (size,),
    )
    if not rows:
        return None
    row = rows[0]
    return StoredCheckpoint(
        int(row["tree_size"]), bytes(row["root"]), row["note"], row["signed_at"]
    )


def school_zone(source: Source) -> ZoneInfo:
    """The school's time zone (``UTC`` before the school is registered)."""
    rows = source.rows("view_school", types=("school.SchoolRegistered",))
    name = rows[0].data["timezone"] if rows else "UTC"
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError as e:
        msg = f"the school's time zone {name!r} is unknown to this system"
        raise ReportError(msg) from e


def cut_at_date(source: Source, day: date) -> Source:
    """``source`` cut at the end of ``day``, school time (see the module)."""
    zone = school_zone(source)
    last = _last_event_day(source, zone)
    if last is None or day > last:
        ends = f"ends on {last:%Y-%m-%d}" if last else "is empty"
        msg = (
            f"as-of date {day:%Y-%m-%d} is beyond the log: its latest checkpoint "
            f"{ends} (school time, {zone.key}); allowed: dates up to that day"
        )
        raise ReportError(msg)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    cut = Cut(source.cut.position, format_time(end.astimezone(UTC)))
    provenance = source.provenance.at_date(day, zone.key)
    return Source(source.runner, cut, provenance)


def _last_event_day(source: Source, zone: ZoneInfo) -> date | None:
    clause, params = source.cut.clause()
    latest: str | None = None
    for table in RecordsView.tables:
        rows = source.runner.store.query(
            f"SELECT MAX(at) AS at FROM {{{table}}} WHERE {clause}", params
        )
        found = rows[0]["at"] if rows else None
        if found is not None and (latest is None or found > latest):
            latest = found
    if latest is None:
        return None
    return parse_time(latest).astimezone(zone).date()
