"""`letopis demo`: a school's ledger set up from scratch through the real services.

For now (the foundation) the demo creates the key directory and the store,
registers the staff's signer keys with their roles, rotates one key, revokes a
compromised one, and reads the whole log back with verification on read.
Deterministic key material for a given ``--seed``.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import track
from rich.table import Table

from api.cli import KeysOpt, StoreOpt, app, err, out, reports_errors
from ledger.application import LedgerApplication
from ledger.bootstrap import initialise
from ledger.keyring import list_signers, register_signer, revoke_signer, rotate_signer
from ledger.keys import DEMO_PASSPHRASE, PASSPHRASE_ENV, KeyDirectory, SigningKey
from ledger.store import open_ledger

ORIGIN = "letopis.example/school-131"
STAFF: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("director", ("director",)),
    ("deputy", ("deputy_director",)),
    ("secretary", ("secretary",)),
    ("importer", ("importer",)),
    ("auditor", ("auditor",)),
    *((f"class-teacher-{i}", ("teacher", "class_teacher")) for i in range(1, 4)),
    *((f"teacher-{i}", ("teacher",)) for i in range(1, 9)),
)


@app.command()
@reports_errors
def demo(
    store: StoreOpt,
    keys: KeysOpt,
    seed: Annotated[
        int, typer.Option(help="Seed for deterministic key material.")
    ] = 131,
) -> None:
    """Set up a demo school's ledger and show what was built."""
    passphrase = _demo_passphrase()
    done = initialise(store, keys, origin=ORIGIN, passphrase=passphrase)
    directory = KeyDirectory.open(keys, passphrase)
    ledger = open_ledger(
        done.app_url, keys=keys, passphrase=passphrase, verify_on_read=True
    )
    try:
        _register_staff(ledger, directory, seed)
        counts = _read_back(ledger)
        out.print(_counts_table(counts))
        out.print(_keys_table_of(ledger))
    finally:
        ledger.close()
    out.print(f"store: {done.app_url}\nkeys:  {Path(keys).resolve()}")
    out.print(
        "look further: letopis keys list --store "
        f"{done.app_url} --keys {keys}  (with {PASSPHRASE_ENV} set)"
    )


def _demo_passphrase() -> str:
    passphrase = os.environ.get(PASSPHRASE_ENV)
    if passphrase:
        return passphrase
    err.print(
        f"[yellow]NOTE:[/yellow] {PASSPHRASE_ENV} is not set; the demo uses the "
        f"DEMO passphrase {DEMO_PASSPHRASE!r}. Never use it for a real school."
    )
    os.environ[PASSPHRASE_ENV] = DEMO_PASSPHRASE
    return DEMO_PASSPHRASE


def _seeded_key(seed: int, label: str) -> SigningKey:
    return SigningKey.from_seed(hashlib.sha256(f"{seed}/{label}".encode()).digest())


def _register_staff(
    ledger: LedgerApplication, directory: KeyDirectory, seed: int
) -> None:
    seal = directory.log_key()
    start = datetime.now(UTC) - timedelta(days=1)
    labels = {}
    for label, roles in track(STAFF, description="registering staff keys"):
        key = directory.add_signer(label, _seeded_key(seed, label))
        register_signer(
            ledger,
            seal,
            public_key=key.public_bytes,
            holder=label,
            roles=roles,
            valid_from=start,
        )
        labels[label] = key.key_id
    successor = directory.add_signer(
        "teacher-1-2026", _seeded_key(seed, "teacher-1-2026")
    )
    rotate_signer(
        ledger,
        seal,
        labels["teacher-1"],
        new_public_key=successor.public_bytes,
        at=datetime.now(UTC),
    )
    revoke_signer(
        ledger,
        seal,
        labels["teacher-8"],
        revoked_at=datetime.now(UTC),
        compromised_at=datetime.now(UTC) - timedelta(hours=2),
        reason="laptop stolen",
    )


def _read_back(ledger: LedgerApplication) -> Counter[str]:
    """Decode every stored event with verification on read; count per type."""
    counts: Counter[str] = Counter()
    start = 1
    while page := ledger.recorder.select_notifications(start=start, limit=500):
        for notification in page:
            ledger.mapper.to_domain_event(notification)
            counts[notification.topic] += 1
        start = page[-1].id + 1
    return counts


def _counts_table(counts: Counter[str]) -> Table:
    table = Table(title="Events in the log (every signature verified on read)")
    table.add_column("event type")
    table.add_column("count", justify="right")
    for event_type, n in sorted(counts.items()):
        table.add_row(event_type, str(n))
    table.add_row("[b]total[/b]", f"[b]{sum(counts.values())}[/b]")
    return table


def _keys_table_of(ledger: LedgerApplication) -> Table:
    from api.cli import _keys_table

    return _keys_table(list_signers(ledger))
