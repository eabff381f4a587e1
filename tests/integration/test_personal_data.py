"""Identity fields sealed per pupil; destroying the data key erases the person
while every signature of the log still verifies (DESIGN §2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from ledger.application import Signing
from ledger.errors import PassphraseError, PersonalDataError
from ledger.keys.directory import SigningKey
from ledger.keys.personal import DataKeyStore
from ledger.keys.services import register_signer
from tests.support.notes import TEST_POLICY, Note
from tests.support.stores import PASSPHRASE, Store

pytestmark = pytest.mark.signing_policy(TEST_POLICY)

IDENTITY = {"full_name": "Иванова Мария Петровна", "birth_date": "2012-03-04"}


def test_identity_is_sealed_then_shredded(store: Store) -> None:
    ledger = store.open()
    teacher = SigningKey.generate()
    register_signer(
        ledger,
        store.key_directory.log_key(),
        public_key=teacher.public_bytes,
        holder="teacher",
        roles=("teacher",),
        valid_from=datetime.now(UTC) - timedelta(days=1),
    )
    pupil = uuid4()
    data_keys = DataKeyStore.in_key_directory(store.keys, PASSPHRASE)
    note = Note.write(pupil, "enrolled", enc=data_keys.seal(str(pupil), IDENTITY))
    ledger.save(note, signed_by=Signing(teacher))
    stored = ledger.recorder.select_events(note.id)[0].state
    assert "Иванова".encode() not in stored
    assert b'"alg":"aes-256-gcm"' in stored

    read: Note = store.open().repository.get(note.id)
    assert read.enc is not None
    assert data_keys.open(str(pupil), read.enc) == IDENTITY

    data_keys.destroy(str(pupil))
    after: Note = store.open().repository.get(note.id)
    assert after.enc == read.enc  # the envelope still verifies on read
    with pytest.raises(PersonalDataError, match=r"destroyed at .*crypto-shredding"):
        data_keys.open(str(pupil), after.enc)
    assert ledger.recorder.select_events(note.id)[0].state == stored


def test_sealed_identity_is_bound_to_its_pupil(tmp_path: object) -> None:
    data_keys = DataKeyStore.in_key_directory(str(tmp_path), PASSPHRASE)
    pupil, other = str(uuid4()), str(uuid4())
    enc = data_keys.seal(pupil, IDENTITY)
    with pytest.raises(PersonalDataError, match="not aes-256-gcm under the data key"):
        data_keys.open(other, enc)


def test_wrong_passphrase_does_not_open_data_keys(tmp_path: object) -> None:
    pupil = str(uuid4())
    enc = DataKeyStore.in_key_directory(str(tmp_path), PASSPHRASE).seal(pupil, IDENTITY)
    wrong = DataKeyStore.in_key_directory(str(tmp_path), "not the passphrase")
    with pytest.raises(PassphraseError, match="LETOPIS_KEY_PASSPHRASE"):
        wrong.open(pupil, enc)
