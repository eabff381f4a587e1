"""Disposal by act on SQLite and PostgreSQL (issue 16; DESIGN §6).

The small school's 2024/2025 journal (kept 5 years from 1 January 2026) is
disposed of by the expert commission's act of 10 February 2031; two pupils'
personal files (kept 3 years from 1 January 2025) by an act of 2028, one of
them kept. The independent verifier judges the store before and after, and
the exported archive, restored and exported again. Every bad act is refused
with nothing written; the database itself refuses any other removal, and the
verifier any missing payload that no valid act covers.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest

from ledger.application import Signing
from ledger.archive.disposal import ActRequest, Disposed, dispose
from ledger.archive.export import export_archive
from ledger.archive.restore import restore_store
from ledger.domain.disposal import ActClass, DisposalAct, DisposedFile, ranges_of
from ledger.domain.errors import DisposalError
from ledger.domain.ids import disposal_act_id
from ledger.domain.people import LeaveReason
from ledger.errors import PolicyError
from ledger.keys.directory import SigningKey
from ledger.log import LogStore, Sealer
from ledger.log.store import HeadedLeaf
from ledger.mapper import DisposedError
from ledger.storage.disposal import DisposalStoreError
from ledger.storage.stores import open_ledger
from tests.support.archive import commission, new_store, owner_role, stored, verdict
from tests.support.marked import Marked, marked_school
from tests.support.rawsql import execute_as_superuser, rows, table
from tests.support.stores import PASSPHRASE, Store
from verify.disposal import is_tombstone, parse_tombstone, tombstone_for

DATED = date(2031, 2, 10)
NOW = datetime(2031, 2, 10, 12, tzinfo=UTC)
JOURNAL = ActRequest("1-Э", DATED, "journal", ("2024/2025",), None, (), "истёк срок")
LEFT_ON = date(2024, 11, 5)  # Кузнецов (К-1) and Смирнова (С-1) leave
FILES_DATED = date(2028, 2, 1)  # kept 3 years from 1 January 2025: until 2028
FILES = ActRequest(
    "2-Э", FILES_DATED, "personal_file", ("К-1", "С-1"), None, ("С-1",), "истёк срок"
)


@dataclass
class Disposing:
    """The marked small school, its commission, and how to dispose on it."""

    marked: Marked
    store: Store
    keys: dict[str, SigningKey]
    owner: str

    @property
    def signing(self) -> Signing:
        director = self.marked.s.keys["director"]
        return Signing(self.keys["deputy"], (self.keys["secretary"], director))

    def dispose(
        self,
        request: ActRequest = JOURNAL,
        *,
        now: datetime = NOW,
        signing: Signing | None = None,
        url: str | None = None,
    ) -> Disposed:
        return dispose(
            self.marked.s.app,
            url or self.store.admin_url,
            request,
            signing or self.signing,
            owner_role=self.owner,
            now=now,
        )

    def leave(self) -> None:
        """Кузнецов and Смирнова leave on 5 November 2024."""
        s = self.marked.s
        s.clock.set(LEFT_ON)
        for pupil in (s.pupils[2], s.pupils[1]):
            s.records.people.leave(
                pupil,
                on=LEFT_ON,
                reason=LeaveReason.TRANSFERRED,
                order="№ 40-у от 05.11.2024",
                signed_by=s.signing("secretary"),
            )
        Sealer(s.app).seal()


@pytest.fixture
def school(store: Store, request: pytest.FixtureRequest) -> Disposing:
    marked = marked_school(store)
    return Disposing(marked, store, commission(marked.s), owner_role(store, request))


def _by_type(store: Store, prefix: str) -> list[tuple[Any, ...]]:
    return [r for r in rows(store.url, store.admin_url) if r[2].startswith(prefix)]


def _leaf_of(store: Store, topic: str) -> int:
    """The leaf index of the first sealed entry of ``topic``."""
    log = LogStore(store.open().recorder)
    return next(
        leaf.index for leaf in log.headed_leaves(0, log.size()) if leaf.topic == topic
    )


def test_an_act_disposes_of_a_year_journal_and_the_log_still_verifies(
    school: Disposing, store: Store, tmp_path: Path
) -> None:
    before = verdict(tmp_path, store=store)
    assert before.code == 0
    journal = before.retention("journal")
    assert (journal["events"], journal["disposed"]) == (11, 0)
    others = [r for r in rows(store.url, store.admin_url) if r[2][:8] != "journal."]

    done = school.dispose()

    assert (done.entries, done.files, done.kept) == (11, 1, 0)
    after = verdict(tmp_path, store=store)
    assert after.code == 0, after.report["findings"]
    assert (
        after.retention("journal")["disposed"]
        == after.retention("journal")["events"]
        == 11
    )
    assert all(is_tombstone(r[3]) for r in _by_type(store, "journal."))
    # every other entry byte for byte as it was; the act appended after them
    now = rows(store.url, store.admin_url)
    assert [r for r in now if r[2][:8] != "journal." and r in others] == others
    [act] = [r for r in now if r[2] == "archive.DisposalActApproved"]
    envelope = json.loads(act[3])
    assert envelope["data"]["record_class"] == "journal"
    assert [f["file"] for f in envelope["data"]["files"]] == ["2024/2025"]
    assert len(envelope["sigs"]) == 3  # the chair, a member, the director
    # a disposed record has nothing left to replay; its tombstone says why
    stone = parse_tombstone(_by_type(store, "journal.")[0][3])
    assert stone.act == done.act
    [stored_event] = school.marked.s.app.recorder.select_events(
        UUID(stone.stream), lte=1, limit=1
    )
    with pytest.raises(DisposedError, match="disposed of by act"):
        school.marked.s.app.mapper.to_domain_event(stored_event)


def test_the_export_carries_the_act_and_restore_then_export_is_the_same_log(
    school: Disposing, store: Store, tmp_path: Path
) -> None:
    school.dispose()
    export_archive(school.marked.s.app, tmp_path / "bag")
    archived = verdict(tmp_path, bag=tmp_path / "bag")
    assert archived.code == 0, archived.report["findings"]
    assert archived.retention("journal")["disposed"] == 11
    log = (tmp_path / "bag" / "data" / "log.jsonl").read_bytes()
    assert sum(1 for line in log.splitlines() if is_tombstone(line)) == 11
    assert log.count(b'"type":"archive.DisposalActApproved"') == 1
    with new_store(store, tmp_path) as (url, roles):
        done = restore_store(
            tmp_path / "bag", url, store.keys, passphrase=PASSPHRASE, **roles
        )
        restored = Store(store.kind, done.app_url, store.keys, url)
        assert verdict(tmp_path, store=restored).code == 0
        app = open_ledger(done.app_url, keys=store.keys, passphrase=PASSPHRASE)
        try:
            export_archive(app, tmp_path / "again")
        finally:
            app.close()
    again = (tmp_path / "again" / "data" / "log.jsonl").read_bytes()
    assert again == log


def test_personal_files_are_disposed_of_and_the_kept_one_stays_whole(
    school: Disposing, store: Store, tmp_path: Path
) -> None:
    school.leave()
    s = school.marked.s
    kept_before = rows(store.url, store.admin_url)
    done = school.dispose(FILES, now=datetime(2028, 2, 1, 12, tzinfo=UTC))
    assert (done.files, done.kept) == (1, 1)
    after = rows(store.url, store.admin_url)
    disposed = {r[0] for r in after if is_tombstone(r[3])}
    kuznetsov, smirnova = s.pupils[2], s.pupils[1]
    hex_or_text = (lambda u: u.hex) if store.kind == "sqlite" else str
    assert disposed == {hex_or_text(kuznetsov)}
    assert [r for r in after if r[0] == hex_or_text(smirnova)] == [
        r for r in kept_before if r[0] == hex_or_text(smirnova)
    ]
    found = verdict(tmp_path, store=store)
    assert found.code == 0, found.report["findings"]
    assert found.retention("personal_file")["disposed"] == done.entries == 2


def _request(variant: str, school: Disposing, store: Store) -> tuple[ActRequest, str]:
    """A bad act, and what its refusal says."""
    size = LogStore(store.open().recorder).size()
    if variant == "retention":
        return replace(JOURNAL, dated=date(2030, 12, 31)), "has not run out"
    if variant == "whole log":
        return replace(JOURNAL, entries=((0, size - 1),)), "the whole log"
    if variant == "other class":
        grade = _leaf_of(store, "attestation.PeriodGradeRecorded")
        return replace(JOURNAL, entries=(grade,)), "of class summary, not journal"
    if variant == "unsealed":
        return replace(JOURNAL, entries=(size + 5,)), "no signed checkpoint covers"
    if variant == "trust":
        return replace(JOURNAL, record_class="trust"), "never disposed of"
    if variant == "kept":
        school.leave()
        smirnova = f"{school.marked.s.pupils[1]}:1"
        return replace(FILES, entries=(smirnova,)), "which the act keeps"
    if variant == "not named":
        school.leave()
        smirnova = f"{school.marked.s.pupils[1]}:1"
        files = replace(FILES, files=("К-1",), kept=(), entries=(smirnova,))
        return files, "which the act does not name"
    if variant == "open file":
        return replace(FILES, kept=()), "is not closed"
    if variant == "unknown file":
        return replace(JOURNAL, files=("2019/2020",)), "holds no entry of the log"
    raise AssertionError(variant)


@pytest.mark.parametrize(
    "variant",
    [
        "retention",
        "whole log",
        "other class",
        "unsealed",
        "trust",
        "kept",
        "not named",
        "open file",
        "unknown file",
    ],
)
def test_a_bad_act_is_refused_with_nothing_written(
    school: Disposing, store: Store, tmp_path: Path, variant: str
) -> None:
    request, says = _request(variant, school, store)
    before = stored(store)
    now = datetime.combine(request.dated, datetime.min.time(), UTC)
    with pytest.raises(DisposalError, match=says):
        school.dispose(request, now=now)
    assert stored(store) == before
    assert verdict(tmp_path, store=store).code == 0


def test_an_act_applied_already_is_refused(school: Disposing, store: Store) -> None:
    school.dispose()
    before = stored(store)
    with pytest.raises(DisposalError, match="applied already"):
        school.dispose()
    assert stored(store) == before


def _recorded_act(school: Disposing, store: Store) -> str:
    """The journal's act appended and sealed, not applied; its event name."""
    s = school.marked.s
    act = DisposalAct.approve(
        stream=disposal_act_id(s.app.context.origin, "1-Э"),
        number="1-Э",
        dated=DATED,
        act_class=ActClass("journal", "year_file", 5),
        files=(_journal_file(store),),
        kept=(),
        reason="истёк срок",
        commission=("a", "b", "c"),
        at=NOW,
    )
    s.app.save(act, signed_by=school.signing)
    Sealer(s.app).seal()
    return f"{act.id}:1"


def test_an_act_recorded_but_not_applied_is_finished(
    school: Disposing, store: Store, tmp_path: Path
) -> None:
    """The act was appended, then the removal failed (here: never ran)."""
    _recorded_act(school, store)
    assert not any(is_tombstone(r[3]) for r in _by_type(store, "journal."))
    done = school.dispose()
    assert done.resumed
    assert done.entries == 11
    assert all(is_tombstone(r[3]) for r in _by_type(store, "journal."))
    assert verdict(tmp_path, store=store).code == 0


def _journal_file(store: Store, ends: date = date(2031, 1, 1)) -> DisposedFile:
    log = LogStore(store.open().recorder)
    leaves = [
        x.index for x in log.headed_leaves(0, log.size()) if x.topic[:8] == "journal."
    ]

    return DisposedFile(
        "2024/2025", date(2025, 8, 31), ends, ranges_of(leaves), len(leaves)
    )


def test_without_the_directors_cosignature_nothing_is_written(
    school: Disposing, store: Store
) -> None:
    before = stored(store)
    members = Signing(school.keys["deputy"], (school.keys["secretary"],))
    with pytest.raises(PolicyError, match="co-signature by the director"):
        school.dispose(signing=members)
    assert stored(store) == before


def test_the_application_role_cannot_remove_payloads(
    school: Disposing, store: Store
) -> None:
    if store.kind == "sqlite":
        pytest.skip("SQLite has no roles: the file's owner is the owner")
    before = stored(store)
    with pytest.raises(DisposalStoreError, match="may not act as the owner role"):
        school.dispose(url=store.url)  # the application role's URL
    assert stored(store) == before


def test_the_database_refuses_to_remove_a_payload_no_act_covers(
    school: Disposing, store: Store
) -> None:
    """As the owner: a summary entry's bytes replaced by its tombstone naming
    the journal's act. The act is real and sealed; it does not cover that leaf."""
    done = school.dispose()
    notification, state = _entry_of(store, "attestation.PeriodGradeRecorded")
    before = stored(store)
    key = "rowid" if store.kind == "sqlite" else "notification_id"
    update = f"UPDATE {table(store.url)} SET state = ? WHERE {key} = ?"
    stone = tombstone_for(state, done.act)
    with pytest.raises((psycopg.Error, sqlite3.Error), match="is append-only"):
        _as_owner(store, school.owner, update, (stone, notification))
    assert stored(store) == before


def _entry_of(store: Store, topic: str) -> tuple[int, bytes]:
    """The notification id and stored bytes of the first entry of ``topic``."""
    log = LogStore(store.open().recorder)
    [leaf] = log.headed_leaves(_leaf_of(store, topic), _leaf_of(store, topic) + 1)
    return leaf.notification_id, log.states_of([leaf.notification_id])[
        leaf.notification_id
    ]


def _as_owner(store: Store, owner: str, sql: str, params: tuple[Any, ...]) -> None:
    """``sql`` as the store's owner: the SQLite file's, PostgreSQL's owner role."""
    if store.kind == "sqlite":
        connection = sqlite3.connect(store.url.removeprefix("sqlite:///"))
        try:
            with connection:
                connection.execute(sql, params)
        finally:
            connection.close()
        return
    with psycopg.connect(store.admin_url) as conn:
        conn.execute(f'SET ROLE "{owner}"')
        conn.execute(sql.replace("?", "%s"), params)


def test_the_database_admits_a_covered_entry_s_own_tombstone_only(
    school: Disposing, store: Store
) -> None:
    """As the owner, under an act that covers both entries: the first lesson
    given the second's tombstone (another leaf hash) is refused; its own is
    admitted, and a second replacement of it refused."""
    act = _recorded_act(school, store)
    first, second = (
        (leaf.notification_id, leaf.index) for leaf in _journal_leaves(store)[:2]
    )
    log = LogStore(store.open().recorder)
    states = log.states_of([first[0], second[0]])
    key = "rowid" if store.kind == "sqlite" else "notification_id"
    update = f"UPDATE {table(store.url)} SET state = ? WHERE {key} = ?"
    others = tombstone_for(states[second[0]], act)
    own = tombstone_for(states[first[0]], act)
    before = stored(store)
    with pytest.raises((psycopg.Error, sqlite3.Error), match="is append-only"):
        _as_owner(store, school.owner, update, (others, first[0]))
    assert stored(store) == before
    _as_owner(store, school.owner, update, (own, first[0]))
    assert LogStore(store.open().recorder).states_of([first[0]])[first[0]] == own
    with pytest.raises((psycopg.Error, sqlite3.Error), match="is append-only"):
        _as_owner(store, school.owner, update, (own, first[0]))


def _journal_leaves(store: Store) -> list[HeadedLeaf]:
    log = LogStore(store.open().recorder)
    return [x for x in log.headed_leaves(0, log.size()) if x.topic[:8] == "journal."]


def test_a_missing_payload_that_no_act_covers_is_a_finding(
    school: Disposing, store: Store, tmp_path: Path
) -> None:
    """Around the triggers (the SQLite file's owner, a PostgreSQL superuser),
    a summary entry replaced by a tombstone naming the journal's act."""
    done = school.dispose()
    grade = _leaf_of(store, "attestation.PeriodGradeRecorded")
    notification, state = _entry_of(store, "attestation.PeriodGradeRecorded")
    key = "rowid" if store.kind == "sqlite" else "notification_id"
    execute_as_superuser(
        store.url,
        store.admin_url,
        f"UPDATE {{table}} SET state = ? WHERE {key} = ?",
        (tombstone_for(state, done.act), notification),
    )
    found = verdict(tmp_path, store=store)
    assert found.code == 1
    assert found.kinds == {"disposed": 1}
    [detail] = found.details("disposed")
    assert f"no valid disposal act covers leaf {grade}" in detail


def test_an_act_before_its_files_retention_ran_out_covers_nothing(
    school: Disposing, store: Store, tmp_path: Path
) -> None:
    """An act the service would refuse, appended around it (the signing holds);
    the database lets the owner apply it (it covers the entries), the verifier
    does not accept it."""
    s = school.marked.s
    early = datetime(2030, 6, 1, 12, tzinfo=UTC)
    act = DisposalAct.approve(
        stream=disposal_act_id(s.app.context.origin, "0-Э"),
        number="0-Э",
        dated=early.date(),
        act_class=ActClass("journal", "year_file", 5),
        files=(_journal_file(store, ends=early.date()),),
        kept=(),
        reason="поспешили",
        commission=("a", "b", "c"),
        at=early,
    )
    s.app.save(act, signed_by=school.signing)
    Sealer(s.app).seal()
    done = school.dispose(replace(JOURNAL, number="0-Э", dated=early.date()))
    assert done.resumed
    found = verdict(tmp_path, store=store)
    assert found.code == 1
    assert found.kinds == {"disposal": 1, "disposed": 11}
    assert (
        "had not run out by the act's date 2030-06-01" in found.details("disposal")[0]
    )
