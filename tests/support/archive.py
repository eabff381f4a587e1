"""What the archive's tests share (disposal by act, years closed into the
archive): the expert commission's keys, the independent verifier's verdict,
and the store as it stands, to prove that a refusal wrote nothing."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from ledger.keys.directory import SigningKey
from ledger.keys.services import register_signer
from ledger.log import LogStore, Sealer
from tests.support.pg import Roles, throwaway_database
from tests.support.rawsql import rows
from tests.support.school import SmallSchool
from tests.support.stores import Store
from verify.__main__ import main as verifier

#: staff of the small school who sit on the expert commission (the first chairs)
MEMBERS = ("deputy", "secretary", "history")


def commission(s: SmallSchool) -> dict[str, SigningKey]:
    """A key with the ``expert_commission`` role for each member, registered
    by the log key and sealed."""
    keys = {}
    for label in MEMBERS:
        key = SigningKey.generate()
        register_signer(
            s.app,
            s.store.key_directory.log_key(),
            public_key=key.public_bytes,
            holder=str(s.staff(label)),
            roles=("expert_commission",),
            valid_from=datetime(2024, 8, 1, tzinfo=UTC),
        )
        keys[label] = key
    Sealer(s.app).seal()
    return keys


@dataclass(frozen=True)
class Verdict:
    """The independent verifier's exit code and what its JSON report says."""

    code: int
    report: dict[str, Any]

    @property
    def kinds(self) -> dict[str, int]:
        found: dict[str, int] = self.report["findings_by_kind"]
        return found

    def retention(self, name: str) -> dict[str, Any]:
        row: dict[str, Any] = next(
            r for r in self.report["retention"] if r["class"] == name
        )
        return row

    def details(self, kind: str) -> list[str]:
        return [f["detail"] for f in self.report["findings"] if f["kind"] == kind]


def verdict(
    tmp_path: Path, *, store: Store | None = None, bag: Path | None = None
) -> Verdict:
    """``python -m verify`` on a store (with its keys) or an exported bag."""
    if store is not None:
        argv = ["--store", store.url, "--keys", str(store.keys)]
    else:
        argv = ["--archive", str(bag)]
    state = tmp_path / f"verifier-{uuid4().hex[:8]}.json"
    text = io.StringIO()
    code = verifier(
        [*argv, "--state", str(state), "--workers", "1", "--json"], out=text
    )
    assert code in (0, 1), text.getvalue()
    return Verdict(code, json.loads(text.getvalue()))


def stored(store: Store) -> tuple[Any, ...]:
    """Every event row byte for byte, the snapshots, the leaves and the
    checkpoints: what a refused command must leave as it was."""
    log = LogStore(store.open().recorder)
    return (
        rows(store.url, store.admin_url),
        rows(store.url, store.admin_url, "snapshots"),
        log.size(),
        [c.note for c in log.checkpoints()],
    )


def owner_role(store: Store, request: pytest.FixtureRequest) -> str:
    """The owner role of the store (PostgreSQL; any name on SQLite)."""
    if store.kind == "sqlite":
        return "letopis_owner"
    role: str = request.getfixturevalue("postgres_database").owner_role
    return role


@contextmanager
def new_store(store: Store, tmp_path: Path) -> Iterator[tuple[str, Roles]]:
    """A URL for a new, empty store of the same kind as ``store`` (a restore's
    target), and its roles on PostgreSQL."""
    if store.kind == "sqlite":
        yield f"sqlite:///{tmp_path / f'new-{uuid4().hex[:6]}' / 'letopis.db'}", Roles()
        return
    with throwaway_database("letopis_r") as db:
        yield db.admin_url, db.roles()
