"""A log of signed notes, exported and verified: what the witness and renewal
tests both build on."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

from ledger.application import LedgerApplication, Signing
from ledger.keys.directory import SigningKey
from ledger.keys.services import register_signer
from tests.support.notes import Note
from tests.support.stores import Store
from verify.__main__ import main as verify_main


def write_notes(app: LedgerApplication, store: Store, n: int) -> None:
    """``n`` notes signed by a new teacher's key, registered a day back."""
    teacher = SigningKey.generate()
    register_signer(
        app,
        store.key_directory.log_key(),
        public_key=teacher.public_bytes,
        holder=f"teacher-{teacher.key_id[:6]}",
        roles=("teacher",),
        valid_from=datetime.now(UTC) - timedelta(days=1),
    )
    for i in range(n):
        app.save(Note.write(uuid4(), f"заметка {i}"), signed_by=Signing(teacher))


def verify_bag(bag: Path, tmp: Path, *extra: str) -> tuple[int, dict[str, object]]:
    """``python -m verify --archive BAG --json …``: its exit code and report."""
    out = io.StringIO()
    code = verify_main(
        [
            "--archive",
            str(bag),
            "--log-key",
            str(bag / "data" / "log.vkey"),
            "--state",
            str(tmp / f"state-{uuid4().hex[:6]}.json"),
            "--workers",
            "1",
            "--json",
            *extra,
        ],
        out=out,
    )
    return code, json.loads(out.getvalue())
