"""Keys resolve from configuration, so applications the library builds from an
environment (followers, projection runners) sign and verify like ours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import InfrastructureFactory, JSONTranscoder, Mapper
from eventsourcing.utils import Environment

from ledger.application import LedgerApplication, Signing
from ledger.errors import LedgerError, PassphraseError
from ledger.keys.directory import KeyDirectory, SigningKey
from ledger.keys.services import register_signer
from ledger.mapper import EnvelopeMapper
from ledger.storage.stores import parse_store_url
from tests.support.notes import TEST_POLICY, Note
from tests.support.stores import PASSPHRASE, Store

pytestmark = pytest.mark.signing_policy(TEST_POLICY)


def _environment(store: Store) -> dict[str, str]:
    env = dict(parse_store_url(store.url).env)
    env.update(
        LETOPIS_KEYS=str(store.keys),
        LETOPIS_KEY_PASSPHRASE=PASSPHRASE,
        LETOPIS_VERIFY_ON_READ="y",
        LETOPIS_SIGNING_POLICY=str(TEST_POLICY),
    )
    return env


def test_application_built_from_os_environ_alone(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in _environment(store).items():
        monkeypatch.setenv(name, value)
    app = LedgerApplication()
    store.opened.append(app)
    teacher = SigningKey.generate()
    register_signer(
        app,
        store.key_directory.log_key(),
        public_key=teacher.public_bytes,
        holder="t",
        roles=("teacher",),
        valid_from=datetime.now(UTC) - timedelta(days=1),
    )
    note = Note.write(uuid4(), "from the environment")
    app.save(note, signed_by=Signing(teacher))
    follower = LedgerApplication()
    store.opened.append(follower)
    assert follower.mapper.context.verify_on_read
    assert follower.repository.get(note.id).text == "from the environment"


def test_library_factory_builds_our_mapper_from_the_topic(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = _environment(store)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    env["MAPPER_TOPIC"] = "ledger.mapper:EnvelopeMapper"
    factory = InfrastructureFactory.construct(Environment(LedgerApplication.name, env))
    mapper: Mapper[UUID] = factory.mapper(transcoder=JSONTranscoder())
    assert isinstance(mapper, EnvelopeMapper)
    first = factory.application_recorder().select_notifications(start=1, limit=1)[0]
    event = mapper.to_domain_event(first)
    assert type(event).__name__ == "Registered"


def test_db_functions_insert_path_stays_off(store: Store) -> None:
    env = _environment(store) | {"POSTGRES_ENABLE_DB_FUNCTIONS": "y"}
    with pytest.raises(LedgerError, match="POSTGRES_ENABLE_DB_FUNCTIONS must stay off"):
        LedgerApplication(env=env)


def test_compression_around_the_envelope_is_refused(store: Store) -> None:
    env = _environment(store) | {
        "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor"
    }
    with pytest.raises(LedgerError, match="exactly the envelope bytes"):
        LedgerApplication(env=env)


def test_wrong_passphrase_is_refused_and_nothing_written(store: Store) -> None:
    before = store.open().recorder.max_notification_id()
    wrong = KeyDirectory.open(store.keys, "wrong passphrase")
    with pytest.raises(PassphraseError, match="does not open key the log key"):
        wrong.log_key()
    assert store.open().recorder.max_notification_id() == before
