"""A sealed store of signed notes, and raw access to its rows.

Keys for a teacher, a class teacher and a director; notes in two seals, two of
them certified with the director's co-signature. The verifier tests tamper with
its rows (``tests/support/rawsql.py``) and the archive tests export it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg

import ledger
from ledger.application import LedgerApplication, Signing
from ledger.keys.directory import SigningKey
from ledger.keys.services import register_signer
from ledger.log import Sealer
from ledger.storage.stores import parse_store_url
from tests.support import rawsql
from tests.support.notes import TEST_POLICY, Note
from tests.support.stores import Store
from verify.anchor import LogKey
from verify.policy import SigningPolicy
from verify.report import Report
from verify.retention import RetentionPolicy
from verify.sources import open_store
from verify.verifier import Verifier

NOW = datetime.now(UTC)
RETENTION = Path(ledger.__file__).parent / "policies" / "retention.toml"


@dataclass
class School:
    """A sealed store: who signs, what was written, and raw access to its rows."""

    store: Store
    ledger: LedgerApplication
    teacher: SigningKey
    class_teacher: SigningKey
    director: SigningKey
    notes: list[UUID] = field(default_factory=list)

    @property
    def sqlite(self) -> bool:
        return self.store.kind == "sqlite"

    def table(self, name: str) -> str:
        if self.sqlite:
            return "stored_events" if name == "events" else f"log_{name}"
        schema = parse_store_url(self.store.url).schema
        return f"{schema}.letopis_{'events' if name == 'events' else 'log_' + name}"

    @property
    def nid(self) -> str:
        return "rowid" if self.sqlite else "notification_id"

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.sqlite:
            connection = sqlite3.connect(parse_store_url(self.store.url).sqlite_path)
            try:
                return connection.execute(sql, params).fetchall()
            finally:
                connection.close()
        with psycopg.connect(self.store.admin_url) as c:
            return c.execute(sql.replace("?", "%s"), params).fetchall()

    def tamper(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        rawsql.execute_as_superuser(self.store.url, self.store.admin_url, sql, params)

    def events(self) -> list[tuple[Any, ...]]:
        """(nid, originator_id, version, topic, state, leaf index) in log order."""
        rows = self.query(
            f"SELECT e.{self.nid}, e.originator_id, e.originator_version, e.topic, "
            f"e.state, l.leaf_index FROM {self.table('events')} e JOIN "
            f"{self.table('leaves')} l ON l.notification_id = e.{self.nid} "
            f"ORDER BY e.{self.nid}"
        )
        return [(*r[:4], bytes(r[4]), r[5]) for r in rows]

    def stream_id(self, stream: UUID) -> Any:
        return stream.hex if self.sqlite else stream


def signer_key(
    ledger_app: LedgerApplication,
    store: Store,
    roles: tuple[str, ...],
    **window: datetime,
) -> SigningKey:
    """A fresh key registered for ``roles``; valid from a day ago unless told."""
    key = SigningKey.generate()
    register_signer(
        ledger_app,
        store.key_directory.log_key(),
        public_key=key.public_bytes,
        holder=f"{'+'.join(roles)}-{key.key_id[:6]}",
        roles=roles,
        valid_from=window.get("valid_from", NOW - timedelta(days=1)),
        valid_until=window.get("valid_until"),
    )
    return key


def build_school(store: Store, notes: int = 6) -> School:
    """Keys, notes in two seals, two of them certified with a co-signature.

    The store's signing policy must be the test policy: a module using this
    marks itself ``pytest.mark.signing_policy(TEST_POLICY)``.
    """
    app = store.open()
    school = School(
        store,
        app,
        signer_key(app, store, ("teacher",)),
        signer_key(app, store, ("class_teacher",)),
        signer_key(app, store, ("director",)),
    )
    for half in range(2):
        written = [
            Note.write(uuid4(), f"заметка {half}-{i}") for i in range(notes // 2)
        ]
        app.save(*written, signed_by=Signing(school.teacher))
        certified = written[0]
        certified.certify("проверено")
        app.save(certified, signed_by=Signing(school.class_teacher, (school.director,)))
        school.notes += [n.id for n in written]
        Sealer(app).seal()
    return school


def audit(school: School, **options: Any) -> Report:
    """The verifier's report on ``school``'s store (one worker unless told)."""
    options.setdefault("workers", 1)
    source = open_store(school.store.url)
    try:
        return Verifier(
            log_key=LogKey.from_key_directory(school.store.keys),
            policy=SigningPolicy.load(TEST_POLICY),
            retention=RetentionPolicy.load(RETENTION),
            **options,
        ).audit(source)
    finally:
        source.close()
