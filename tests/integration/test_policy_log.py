"""Policies are signed entries of the log (issue 11, item 5): the writer and the
verifier read the policy in force from the log, never from a file beside it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import bagit
import pytest
from eventsourcing.persistence import StoredEvent

import ledger
from ledger.application import LedgerApplication, Signing
from ledger.archive.export import export_archive
from ledger.envelope import Envelope, format_time, parse
from ledger.errors import PolicyError
from ledger.keys.directory import KeyDirectory, SigningKey
from ledger.keys.registry import KeyRecord, SignerKey
from ledger.keys.services import register_signer
from ledger.log import Sealer
from ledger.policy_log import (
    RETENTION,
    SIGNING,
    PolicyRecord,
    load_policy,
    policy_stream_id,
)
from ledger.records.policies import set_policy
from ledger.storage.init import _prepare_sqlite
from ledger.storage.postgres import PostgresRoles, prepare_postgres
from ledger.storage.stores import parse_store_url
from tests.support.notes import TEST_POLICY, Note
from tests.support.pg import PostgresDatabase
from tests.support.stores import ORIGIN, PASSPHRASE, Store
from verify.anchor import LogKey
from verify.inputs import gather
from verify.policy import SigningPolicy
from verify.report import Report
from verify.sources import open_store
from verify.verifier import Verifier

pytestmark = pytest.mark.signing_policy(TEST_POLICY)

NOW = datetime.now(UTC)
WIDER = TEST_POLICY.read_text().replace(
    'class_teacher = ["test.NoteCertified"]',
    'class_teacher = ["test.NoteCertified", "test.NoteWritten"]',
)
NARROWER = TEST_POLICY.read_text().replace(
    'teacher = ["test.NoteWritten"]', "teacher = []"
)


def _key(app: LedgerApplication, store: Store, *roles: str) -> SigningKey:
    key = SigningKey.generate()
    register_signer(
        app,
        store.key_directory.log_key(),
        public_key=key.public_bytes,
        holder="+".join(roles),
        roles=roles,
        valid_from=NOW - timedelta(days=1),
    )
    return key


def _audit(
    store: Store,
    *,
    policy: SigningPolicy | None = None,
    default_policy: SigningPolicy | None = None,
) -> Report:
    source = open_store(store.url)
    try:
        return Verifier(
            log_key=LogKey.from_key_directory(store.keys),
            policy=policy,
            default_policy=default_policy,
            workers=1,
        ).audit(source)
    finally:
        source.close()


def _kinds(report: Report) -> set[str]:
    return {f.kind for f in report.findings}


def _count(app: LedgerApplication) -> int:
    return app.recorder.max_notification_id() or 0


def test_init_adopts_the_first_policies_with_the_log_key(store: Store) -> None:
    app = store.open()
    stored = app.recorder.select_events(policy_stream_id(SIGNING))
    assert [s.topic for s in stored] == ["trust.PolicyAdopted"]
    signed = parse(stored[0].state).sigs
    assert [s.key for s in signed] == [app.context.log_key().key_id]
    assert load_policy(app, SIGNING).toml == TEST_POLICY.read_text()  # type: ignore[union-attr]
    packaged = Path(__file__).parents[2] / "ledger" / "policies" / "retention.toml"
    assert load_policy(app, RETENTION).toml == packaged.read_text()  # type: ignore[union-attr]
    report = _audit(store)
    assert report.ok, report.findings
    assert any(n.startswith("signing policy: from the log") for n in report.notes)


def test_a_policy_change_by_anyone_but_the_director_is_refused(store: Store) -> None:
    app = store.open()
    teacher = _key(app, store, "teacher")
    deputy = _key(app, store, "class_teacher", "deputy_director")
    before = _count(app)
    for signer in (teacher, deputy, store.key_directory.log_key()):
        with pytest.raises(PolicyError, match="may not change a policy"):
            set_policy(app, signer, SIGNING, WIDER)
    record = PolicyRecord.adopt(SIGNING, WIDER)  # a second first policy
    with pytest.raises(PolicyError, match="adopted with the log key alone"):
        app.save(record, signed_by=Signing(teacher))
    assert _count(app) == before
    assert load_policy(app, SIGNING).toml == TEST_POLICY.read_text()  # type: ignore[union-attr]


def test_a_malformed_policy_is_refused_and_nothing_written(store: Store) -> None:
    app = store.open()
    director = _key(app, store, "director")
    before = _count(app)
    bad = TEST_POLICY.read_text().replace(
        'teacher = ["test.NoteWritten"]', 'teacher = "test.NoteWritten"'
    )
    with pytest.raises(PolicyError, match="'teacher' must be a list of strings"):
        set_policy(app, director, SIGNING, bad)
    with pytest.raises(PolicyError, match="keep_years"):
        set_policy(app, director, RETENTION, '[[class]]\nname = "x"\n')
    assert _count(app) == before


def test_the_writer_follows_the_policy_the_director_puts_in_force(
    store: Store,
) -> None:
    app = store.open()
    other = store.open()  # a second process, which read the old policy
    teacher = _key(app, store, "teacher")
    class_teacher = _key(app, store, "class_teacher")
    director = _key(app, store, "director")
    other.save(Note.write(uuid4(), "before"), signed_by=Signing(teacher))
    with pytest.raises(PolicyError, match=r"may not sign test\.NoteWritten"):
        app.save(Note.write(uuid4(), "not yet"), signed_by=Signing(class_teacher))

    set_policy(app, director, SIGNING, WIDER)
    app.save(Note.write(uuid4(), "now allowed"), signed_by=Signing(class_teacher))
    set_policy(app, director, SIGNING, NARROWER)
    before = _count(app)
    for writer in (app, other):
        with pytest.raises(PolicyError, match=r"may not sign test\.NoteWritten"):
            writer.save(Note.write(uuid4(), "no longer"), signed_by=Signing(teacher))
    assert _count(app) == before
    Sealer(app).seal()
    report = _audit(store)  # each entry judged by the policy in force where it is
    assert report.ok, report.findings


def _forge_written_by(app: LedgerApplication, signer: SigningKey) -> str:
    """A note the signer may not write, inserted with the application role's
    insert right, past the writer's policy check."""
    stream = uuid4()
    envelope = Envelope(
        log=app.context.origin,
        stream=str(stream),
        seq=1,
        prev=None,
        type="test.NoteWritten",
        at=format_time(NOW),
        data={"enc": None, "pupil": str(uuid4()), "text": "подделка"},
    ).signed_by(signer)
    stored = StoredEvent(stream, 1, "test.NoteWritten", envelope.to_bytes())
    app.recorder.insert_events([stored])
    return f"{stream}:1"


def test_a_widened_policy_file_in_an_archive_lets_no_forged_entry_pass(
    store: Store, tmp_path: Path
) -> None:
    app = store.open(verify_on_read=False)
    class_teacher = _key(app, store, "class_teacher")
    forged = _forge_written_by(app, class_teacher)
    export_archive(app, tmp_path / "bag")
    policy = tmp_path / "bag" / "data" / "policy" / "signing.toml"
    policy.write_text(WIDER)
    bag = bagit.Bag(str(tmp_path / "bag"))
    bag.save(manifests=True)  # the attacker recomputes the bag's manifests
    assert bagit.Bag(str(tmp_path / "bag")).is_valid()

    inputs = gather(store=None, archive=tmp_path / "bag", keys=store.keys)
    report = Verifier(
        log_key=inputs.log_key,
        policy=inputs.policy,
        retention=inputs.retention,
        default_policy=inputs.default_policy,
        default_retention=inputs.default_retention,
        workers=1,
    ).audit(inputs.source)
    inputs.source.close()
    assert not report.ok
    roles = [f for f in report.findings if f.kind == "role"]
    assert [f.event for f in roles] == [forged]
    archive = [f.detail for f in report.findings if f.kind == "archive"]
    assert any(
        "data/policy/signing.toml is not the signing policy" in d for d in archive
    )

    shutil.copy(TEST_POLICY, policy)
    bagit.Bag(str(tmp_path / "bag")).save(manifests=True)
    given_wider = tmp_path / "wider.toml"
    given_wider.write_text(WIDER)
    inputs = gather(
        store=None, archive=tmp_path / "bag", keys=store.keys, policy=given_wider
    )
    report = Verifier(log_key=inputs.log_key, policy=inputs.policy, workers=1).audit(
        inputs.source
    )
    inputs.source.close()
    assert [f.event for f in report.findings if f.kind == "role"] == [forged]
    policy_findings = [f.detail for f in report.findings if f.kind == "policy"]
    assert len(policy_findings) == 1
    assert "is not the one the log holds in force" in policy_findings[0]


def test_a_policy_given_from_outside_is_compared_with_the_logged_one(
    store: Store,
) -> None:
    same = _audit(store, policy=SigningPolicy.load(TEST_POLICY))
    assert same.ok, same.findings
    packaged = Path(__file__).parents[2] / "ledger" / "policies" / "signing.toml"
    other = _audit(store, policy=SigningPolicy.load(packaged))
    assert _kinds(other) == {"policy"}
    assert "the log's was used" in other.findings[0].detail


# -- a log made before policies were logged ------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def old_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Store, dict[str, str]]]:
    """A store as `init` made it before policies were logged: the log key's
    registration alone (written here past today's writer), sealed; with the
    options `init` takes for it."""
    keys = tmp_path / "keys"
    directory = KeyDirectory.create(keys, origin=ORIGIN, passphrase=PASSPHRASE)
    options: dict[str, str] = {}
    if request.param == "sqlite":
        admin = url = f"sqlite:///{tmp_path / 'letopis.db'}"
        _prepare_sqlite(parse_store_url(url), keys, PASSPHRASE)
    else:
        db: PostgresDatabase = request.getfixturevalue("postgres_database")
        admin = db.admin_url
        roles = PostgresRoles(owner=db.owner_role, app=db.app_role)
        url = prepare_postgres(parse_store_url(admin), roles)
        options = {"owner_role": db.owner_role, "app_role": db.app_role}
    store = Store(request.param, url, keys, admin)
    app = store.open()
    log_key = directory.log_key()
    record = KeyRecord(
        key=log_key.key_id,
        public_key=log_key.public_bytes,
        holder=ORIGIN,
        roles=("seal",),
        valid_from=NOW,
    )
    (event,) = SignerKey.register(record).collect_events()
    envelope = app.mapper.envelope_for(event, prev=None).signed_by(log_key)
    stream = event.originator_id
    app.recorder.insert_events(
        [StoredEvent(stream, 1, envelope.type, envelope.to_bytes())]
    )
    Sealer(app).seal()
    yield store, options
    store.close_all()


def packaged_text(name: str) -> str:
    return (Path(ledger.__file__).parent / "policies" / name).read_text(
        encoding="utf-8"
    )


def test_a_log_without_policies_is_a_finding_until_the_log_key_adopts_them(
    old_store: tuple[Store, dict[str, str]],
) -> None:
    store, _options = old_store
    app = store.open()
    before = _count(app)
    with pytest.raises(PolicyError, match="holds no signed signing policy"):
        register_signer(
            app,
            store.key_directory.log_key(),
            public_key=SigningKey.generate().public_bytes,
            holder="teacher",
            roles=("teacher",),
            valid_from=NOW,
        )
    assert _count(app) == before
    packaged = SigningPolicy.load(
        Path(ledger.__file__).parent / "policies" / "signing.toml"
    )
    report = _audit(store, default_policy=packaged)
    details = [f.detail for f in report.findings if f.kind == "policy"]
    assert len(details) == 2
    assert all("holds no signed" in d for d in details)

    # `init` never records into a store with events: `letopis policy set
    # --log-key` adopts the first policies of a log made before them
    upgrade = store.open()
    for name, text in (
        ("signing", packaged_text("signing.toml")),
        ("retention", packaged_text("retention.toml")),
    ):
        set_policy(upgrade, upgrade.context.log_key(), name, text)
    Sealer(upgrade).seal()
    after = _audit(store)
    assert after.ok, after.findings
    _key(store.open(), store, "teacher")  # the writer works again
