"""The ledger's contract, run on SQLite and on a real PostgreSQL.

Every rejection names the problem and what is allowed, and leaves the store
exactly as it was (compared row by row).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from ledger.application import LedgerApplication, Signing
from ledger.errors import (
    ConcurrencyError,
    EnvelopeError,
    KeyNotValidError,
    LedgerError,
    PolicyError,
    SignatureError,
    UnknownKeyError,
)
from ledger.keys.directory import SigningKey
from ledger.keys.services import revoke_signer
from tests.support import rawsql
from tests.support.notes import TEST_POLICY, Note
from tests.support.sealed import signer_key
from tests.support.stores import Store

pytestmark = pytest.mark.signing_policy(TEST_POLICY)

NOW = datetime.now(UTC)


@pytest.fixture
def ledger(store: Store) -> LedgerApplication:
    return store.open()


def _rows(store: Store) -> list[tuple[object, ...]]:
    return rawsql.rows(store.url, store.admin_url)


def test_a_signed_note_is_stored_as_its_envelope(
    ledger: LedgerApplication, store: Store
) -> None:
    teacher = signer_key(ledger, store, ("teacher",))
    note = Note.write(uuid4(), "забыл тетрадь")
    ledger.save(note, signed_by=Signing(teacher))
    stored = ledger.recorder.select_events(note.id)
    assert [s.topic for s in stored] == ["test.NoteWritten"]
    assert b'"text":"\xd0\xb7\xd0\xb0\xd0\xb1' in stored[0].state
    again: Note = store.open().repository.get(note.id)
    assert again.text == "забыл тетрадь"


def test_a_save_of_many_events_returns_their_notification_ids_in_order(
    ledger: LedgerApplication, store: Store
) -> None:
    teacher = signer_key(ledger, store, ("teacher",))
    notes = [Note.write(uuid4(), f"запись {i}") for i in range(5)]
    recordings = ledger.save(*notes, signed_by=Signing(teacher))
    ids = [r.notification.id for r in recordings]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(notes)
    stored = ledger.recorder.select_notifications(ids[0], limit=len(ids))
    assert [
        (n.id, n.originator_id, n.originator_version, n.topic, n.state) for n in stored
    ] == [
        (
            r.notification.id,
            r.notification.originator_id,
            r.notification.originator_version,
            r.notification.topic,
            r.notification.state,
        )
        for r in recordings
    ]
    assert [n.originator_id for n in stored] == [note.id for note in notes]


def test_unknown_key_is_rejected_and_nothing_written(
    ledger: LedgerApplication, store: Store
) -> None:
    before = _rows(store)
    stranger = SigningKey.generate()
    with pytest.raises(UnknownKeyError, match="not registered") as caught:
        ledger.save(Note.write(uuid4(), "x"), signed_by=Signing(stranger))
    assert stranger.key_id in str(caught.value)
    assert _rows(store) == before


@pytest.mark.parametrize(
    "window",
    [
        {"valid_from": NOW + timedelta(days=30)},
        {
            "valid_from": NOW - timedelta(days=60),
            "valid_until": NOW - timedelta(days=30),
        },
    ],
    ids=["not-yet-valid", "expired"],
)
def test_key_outside_its_window_is_rejected(
    ledger: LedgerApplication, store: Store, window: dict[str, datetime]
) -> None:
    teacher = signer_key(ledger, store, ("teacher",), **window)
    before = _rows(store)
    with pytest.raises(KeyNotValidError, match=r"may not sign at .*valid only in \["):
        ledger.save(Note.write(uuid4(), "x"), signed_by=Signing(teacher))
    assert _rows(store) == before


def test_revoked_key_is_rejected(ledger: LedgerApplication, store: Store) -> None:
    teacher = signer_key(ledger, store, ("teacher",))
    revoke_signer(
        ledger,
        store.key_directory.log_key(),
        teacher.key_id,
        revoked_at=datetime.now(UTC),
        reason="left school",
    )
    before = _rows(store)
    with pytest.raises(KeyNotValidError, match=r"valid only in \[.*\) \(revoked at "):
        ledger.save(Note.write(uuid4(), "x"), signed_by=Signing(teacher))
    assert _rows(store) == before


def test_role_not_allowed_for_the_event_type(
    ledger: LedgerApplication, store: Store
) -> None:
    secretary = signer_key(ledger, store, ("secretary",))
    before = _rows(store)
    with pytest.raises(PolicyError, match=r"may not sign test.NoteWritten; allowed"):
        ledger.save(Note.write(uuid4(), "x"), signed_by=Signing(secretary))
    assert _rows(store) == before


def test_missing_cosignature_is_rejected(
    ledger: LedgerApplication, store: Store
) -> None:
    teacher = signer_key(ledger, store, ("teacher",))
    class_teacher = signer_key(ledger, store, ("class_teacher",))
    director = signer_key(ledger, store, ("director",))
    note = Note.write(uuid4(), "x")
    ledger.save(note, signed_by=Signing(teacher))
    before = _rows(store)
    note.certify("checked")
    with pytest.raises(PolicyError, match="needs a co-signature by the director"):
        ledger.save(note, signed_by=Signing(class_teacher))
    assert _rows(store) == before
    fresh: Note = ledger.repository.get(note.id)
    fresh.certify("checked")
    ledger.save(fresh, signed_by=Signing(class_teacher, (director,)))
    stored = ledger.recorder.select_events(note.id)[-1].state
    assert stored.count(b'"alg":"ed25519"') == 2


def test_tampered_envelope_is_detected_on_read(
    ledger: LedgerApplication, store: Store
) -> None:
    teacher = signer_key(ledger, store, ("teacher",))
    note = Note.write(uuid4(), "пять")
    ledger.save(note, signed_by=Signing(teacher))
    original = ledger.recorder.select_events(note.id)[0].state
    forged = original.replace("пять".encode(), "два!".encode())
    rawsql.execute_as_superuser(
        store.url,
        store.admin_url,
        "UPDATE {table} SET state = ? WHERE originator_id = ?",
        (forged, note.id.hex if store.kind == "sqlite" else note.id),
    )
    with pytest.raises(SignatureError, match="does not verify"):
        store.open().repository.get(note.id)


def test_concurrent_append_one_wins_nothing_partial(
    ledger: LedgerApplication, store: Store
) -> None:
    teacher = signer_key(ledger, store, ("teacher",))
    certifying = Signing(
        signer_key(ledger, store, ("class_teacher",)),
        (signer_key(ledger, store, ("director",)),),
    )
    note = Note.write(uuid4(), "x")
    bystander = Note.write(uuid4(), "certified in the same save as the loser")
    ledger.save(note, bystander, signed_by=Signing(teacher))
    other = store.open()
    first: Note = ledger.repository.get(note.id)
    second: Note = other.repository.get(note.id)
    first.certify("first")
    second.certify("second")
    bystander.certify("would be fine alone")
    ledger.save(first, signed_by=certifying)
    before = _rows(store)
    with pytest.raises(ConcurrencyError, match="nothing was written"):
        other.save(bystander, second, signed_by=certifying)
    assert _rows(store) == before


def test_unsigned_save_is_refused(ledger: LedgerApplication, store: Store) -> None:
    before = _rows(store)
    with pytest.raises(LedgerError, match="unsigned"):
        ledger.save(Note.write(uuid4(), "x"))
    assert _rows(store) == before


def test_signed_snapshot_round_trip_and_tamper(
    ledger: LedgerApplication, store: Store
) -> None:
    teacher = signer_key(ledger, store, ("teacher",))
    class_teacher = signer_key(ledger, store, ("class_teacher",))
    director = signer_key(ledger, store, ("director",))
    note = Note.write(uuid4(), "x")
    ledger.save(note, signed_by=Signing(teacher))
    note.certify("ok")
    ledger.save(note, signed_by=Signing(class_teacher, (director,)))
    ledger.take_snapshot(note.id)
    snapshot_rows = rawsql.rows(store.url, store.admin_url, "snapshots")
    assert len(snapshot_rows) == 1
    assert b'"head":"sha256:' in snapshot_rows[0][3]
    restored: Note = store.open().repository.get(note.id)
    assert restored.certified
    assert restored.version == 2
    rawsql.execute_as_superuser(
        store.url,
        store.admin_url,
        "UPDATE {snapshots} SET state = ?",
        (snapshot_rows[0][3].replace(b'"certified":true', b'"certified":false'),),
    )
    with pytest.raises(SignatureError):
        store.open().repository.get(note.id)


def test_column_disagreeing_with_envelope_is_detected(
    ledger: LedgerApplication, store: Store
) -> None:
    teacher = signer_key(ledger, store, ("teacher",))
    note = Note.write(uuid4(), "x")
    ledger.save(note, signed_by=Signing(teacher))
    rawsql.execute_as_superuser(
        store.url,
        store.admin_url,
        "UPDATE {table} SET topic = 'test.NoteCertified' WHERE topic = ?",
        ("test.NoteWritten",),
    )
    with pytest.raises(EnvelopeError, match="stored column topic"):
        store.open().repository.get(note.id)
