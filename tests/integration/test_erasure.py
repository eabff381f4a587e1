"""Erasure of a pupil's personal data on SQLite and PostgreSQL: a signed
``archive.DataKeyDestroyed`` by the director, the data key destroyed, the name
«данные удалены» in every report (with or without the key directory), and the
log still verifying; every refusal writes nothing.
"""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from ledger.domain.errors import AuthorityError, ErasureError, UnknownRecordError
from ledger.domain.ids import data_key_erasure_id
from ledger.domain.people import LeaveReason
from ledger.keys.personal import DataKeyStore
from ledger.log import LogStore, Sealer
from ledger.storage.stores import open_ledger
from projections.reports import render
from tests.support.cli import letopis
from tests.support.marked import Marked, marked_school
from tests.support.stores import PASSPHRASE, Store
from verify.__main__ import main as verifier

ERASED = "данные удалены (л/д К-1)"  # Кузнецов's personal file


@pytest.fixture
def marked(store: Store) -> Marked:
    return marked_school(store)


def _report(app: Any, name: str, **params: str) -> Any:
    return json.loads(render(app, name, params, "json", None).body)


def _names(page: Any) -> list[str]:
    for t in page["tables"]:
        if t["title"] == "Отметки: I четверть":
            return [row[1] for row in t["rows"]]
    raise AssertionError("no marks table")


def _verdict(store: Store, tmp_path: Path) -> int:
    state = tmp_path / f"verifier-{uuid4().hex[:8]}.json"
    text = io.StringIO()
    argv = ["--store", store.url, "--keys", str(store.keys), "--state", str(state)]
    code = verifier([*argv, "--workers", "1"], out=text)
    assert code in (0, 1), text.getvalue()
    return code


def _events(store: Store) -> int:
    return store.open().recorder.max_notification_id() or 0


def test_erasure_is_a_signed_entry_and_every_report_reads_erased(
    marked: Marked, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = marked.s
    kuznetsov = s.pupils[2]
    assert _verdict(store, tmp_path) == 0
    done = s.records.erasure.destroy_data_key(
        kuznetsov,
        ground="request",
        reason="заявление законного представителя № 4 от 01.11.2024",
        signed_by=s.signing("director"),
    )
    Sealer(s.app).seal()
    assert done.event == f"{data_key_erasure_id(kuznetsov)}:1"
    assert done.key_was_here
    keys = DataKeyStore.in_key_directory(store.keys, PASSPHRASE)
    assert not keys.has_key(str(kuznetsov))
    assert keys.destroyed_at(str(kuznetsov)) is not None
    [stored] = s.app.recorder.select_events(data_key_erasure_id(kuznetsov))
    envelope = json.loads(stored.state)
    assert envelope["type"] == "archive.DataKeyDestroyed"
    assert envelope["data"]["ground"] == "request"
    summary = _report(s.app, "summary", **{"class": "9А"})
    assert _names(summary)[2] == ERASED
    assert _verdict(store, tmp_path) == 0  # every hash and signature still holds

    # without the key directory's passphrase the log itself says «erased»
    monkeypatch.delenv("LETOPIS_KEY_PASSPHRASE", raising=False)
    reader = open_ledger(store.url, keys=store.keys, passphrase=None)
    try:
        names = _names(_report(reader, "summary", **{"class": "9А"}))
    finally:
        reader.close()
    assert ERASED in names  # not «имя недоступно», as for the two others
    assert sorted(n.split(" (")[0] for n in names if n != ERASED) == [
        "имя недоступно",
        "имя недоступно",
    ]


def test_a_data_key_destroyed_twice_is_refused(marked: Marked, store: Store) -> None:
    s = marked.s
    s.records.erasure.destroy_data_key(
        s.pupils[2],
        ground="request",
        reason="заявление № 4",
        signed_by=s.signing("director"),
    )
    before = _events(store)
    with pytest.raises(ErasureError, match="destroyed already"):
        s.records.erasure.destroy_data_key(
            s.pupils[2],
            ground="request",
            reason="ещё раз",
            signed_by=s.signing("director"),
        )
    assert _events(store) == before


@pytest.mark.parametrize(
    ("ground", "reason", "signer", "error", "match"),
    [
        ("retention", "акт № 1", "director", ErasureError, "still enrolled"),
        ("forgotten", "акт № 1", "director", ErasureError, "allowed: retention"),
        ("request", "  ", "director", ErasureError, "reason is empty"),
        ("request", "заявление № 4", "secretary", AuthorityError, "by the director"),
    ],
)
def test_bad_erasures_are_refused_with_nothing_written(
    marked: Marked,
    store: Store,
    ground: str,
    reason: str,
    signer: str,
    error: type[Exception],
    match: str,
) -> None:
    s = marked.s
    before = _events(store)
    with pytest.raises(error, match=match):
        s.records.erasure.destroy_data_key(
            s.pupils[2], ground=ground, reason=reason, signed_by=s.signing(signer)
        )
    assert _events(store) == before
    assert DataKeyStore.in_key_directory(store.keys, PASSPHRASE).has_key(
        str(s.pupils[2])
    )


def test_retention_counts_from_1_january_after_leaving(
    marked: Marked, store: Store
) -> None:
    s = marked.s
    s.clock.set(date(2024, 11, 5))
    s.records.people.leave(
        s.pupils[2],
        on=date(2024, 11, 5),
        reason=LeaveReason.TRANSFERRED,
        order="№ 40-у от 05.11.2024",
        signed_by=s.signing("secretary"),
    )
    before = _events(store)
    with pytest.raises(ErasureError, match="until 2028-01-01"):
        s.records.erasure.destroy_data_key(
            s.pupils[2],
            ground="retention",
            reason="акт № 1",
            signed_by=s.signing("director"),
        )
    assert _events(store) == before


def test_an_unknown_pupil_is_refused(marked: Marked, store: Store) -> None:
    s = marked.s
    before = _events(store)
    with pytest.raises(UnknownRecordError, match="is not recorded"):
        s.records.erasure.destroy_data_key(
            uuid4(),
            ground="request",
            reason="заявление",
            signed_by=s.signing("director"),
        )
    assert _events(store) == before


def test_letopis_keys_destroy_data_key(sqlite_store: Store, tmp_path: Path) -> None:
    """The command line (the same on both stores; SQLite here)."""
    store = sqlite_store
    marked = marked_school(store)
    s = marked.s
    s.app.close()
    env = {"LETOPIS_STORE": store.url, "LETOPIS_KEYS": str(store.keys)}
    label = "director-key"
    from ledger.keys.directory import KeyDirectory

    KeyDirectory.open(store.keys, PASSPHRASE).add_signer(label, s.keys["director"])
    args = ("keys", "destroy-data-key", "К-1", "--as", label, "--ground", "request")
    done = letopis(*args, "--reason", "заявление № 4", passphrase=PASSPHRASE, env=env)
    assert done.returncode == 0, done.stderr
    assert "archive.DataKeyDestroyed" in done.stdout
    size = LogStore(store.open().recorder).size()
    again = letopis(*args, "--reason", "ещё раз", passphrase=PASSPHRASE, env=env)
    assert again.returncode == 2
    assert "destroyed already" in again.stderr
    assert LogStore(store.open().recorder).size() == size
    assert _verdict(store, tmp_path) == 0


def test_a_key_destroyed_without_a_trace_gets_its_signed_entry(
    marked: Marked, store: Store, tmp_path: Path
) -> None:
    """A key destroyed before this command existed (only a tombstone in the
    key directory) is recorded now, so the log says so too."""
    s = marked.s
    keys = DataKeyStore.in_key_directory(store.keys, PASSPHRASE)
    keys.destroy(str(s.pupils[2]))
    done = s.records.erasure.destroy_data_key(
        s.pupils[2],
        ground="request",
        reason="заявление № 4 от 01.11.2024",
        signed_by=s.signing("director"),
    )
    assert not done.key_was_here
    assert s.app.recorder.select_events(data_key_erasure_id(s.pupils[2]))
    Sealer(s.app).seal()
    assert _verdict(store, tmp_path) == 0
