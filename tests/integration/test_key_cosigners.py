"""Key registrations and revocations co-signed by who vouched for them
(a key enrolled in a browser, approved by the director): signed by the log
key first, the approver after; the writer, the sealer and the verifier take
them; a co-signer that may not sign is refused with nothing written
(SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from ledger.application import Signing
from ledger.envelope import parse
from ledger.errors import KeyNotValidError, PolicyError, TrustError
from ledger.keys.directory import SigningKey
from ledger.keys.registry import key_stream_id
from ledger.keys.services import checked_registration, register_signer, revoke_signer
from ledger.log import Sealer
from tests.support.notes import TEST_POLICY, Note
from tests.support.sealed import NOW, School, audit, build_school
from tests.support.stores import Store

pytestmark = pytest.mark.signing_policy(TEST_POLICY)


@pytest.fixture
def school(store: Store) -> School:
    return build_school(store, notes=2)


def count(school: School) -> int:
    return int(school.ledger.recorder.max_notification_id() or 0)


def test_an_approved_registration_carries_the_approvers_signature(
    school: School,
) -> None:
    app, seal = school.ledger, school.store.key_directory.log_key()
    key = SigningKey.generate()
    register_signer(
        app,
        seal,
        public_key=key.public_bytes,
        holder="teacher-browser",
        roles=("teacher",),
        valid_from=NOW - timedelta(hours=1),
        cosigners=(school.director,),
    )
    [row] = app.recorder.select_events(key_stream_id(key.key_id))
    envelope = parse(row.state)
    assert [s.key for s in envelope.sigs] == [seal.key_id, school.director.key_id]
    app.save(Note.write(uuid4(), "из браузера"), signed_by=Signing(key))
    revoke_signer(
        app,
        seal,
        key.key_id,
        revoked_at=datetime.now(UTC),  # after the note it signed
        reason="устройство утеряно",
        cosigners=(school.teacher,),
    )
    Sealer(app).seal()
    report = audit(school)
    assert report.ok, report.findings
    with pytest.raises(KeyNotValidError):
        app.save(Note.write(uuid4(), "после отзыва"), signed_by=Signing(key))


def test_a_registration_the_cosigner_may_not_sign_writes_nothing(
    school: School,
) -> None:
    app, seal = school.ledger, school.store.key_directory.log_key()
    revoke_signer(app, seal, school.teacher.key_id, revoked_at=NOW, reason="ушёл")
    before = count(school)
    key = SigningKey.generate()
    with pytest.raises(KeyNotValidError):
        register_signer(
            app,
            seal,
            public_key=key.public_bytes,
            holder="teacher-browser",
            roles=("teacher",),
            valid_from=NOW,
            cosigners=(school.teacher,),  # revoked: vouches for nothing
        )
    with pytest.raises(PolicyError, match="co-signers must differ"):
        register_signer(
            app,
            seal,
            public_key=key.public_bytes,
            holder="teacher-browser",
            roles=("teacher",),
            valid_from=NOW,
            cosigners=(seal,),
        )
    assert count(school) == before
    assert not app.recorder.select_events(key_stream_id(key.key_id))


def test_a_registration_is_checked_before_anything_is_written(school: School) -> None:
    app = school.ledger
    known = school.director
    with pytest.raises(TrustError, match="registered already"):
        checked_registration(
            app, known.public_bytes, "someone", ("director",), NOW, None
        )
    with pytest.raises(TrustError, match="32 bytes"):
        checked_registration(app, b"short", "someone", ("teacher",), NOW, None)
    record = checked_registration(
        app, SigningKey.generate().public_bytes, "someone", ("teacher",), NOW, None
    )
    assert record.roles == ("teacher",)
    assert not app.recorder.select_events(key_stream_id(record.key))
