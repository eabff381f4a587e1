"""Idempotent appends: an ``Idempotency-Key`` makes a retry safe.

The first response to a key (per account) is stored with a hash of the
request body. The same key with the same body answers with that response and
appends nothing; the same key with another body is refused (422). Keys live
in an insert-only table beside the events.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from api.server.tables import IDEMPOTENCY, side_store
from ledger.application import LedgerApplication
from ledger.storage.sql import DUPLICATE_ERRORS

MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class Stored:
    """A response kept for a key, and the hash of the body it answered."""

    body_hash: str
    status: int
    response: Any


def body_hash(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


class IdempotencyStore:
    """Responses by (account, key)."""

    def __init__(self, app: LedgerApplication) -> None:
        self.store = side_store(app, IDEMPOTENCY)

    def get(self, account: str, key: str) -> Stored | None:
        rows = self.store.query(
            "SELECT body_hash, status, response FROM {api_idempotency} "
            "WHERE account = ? AND idem_key = ?",
            (account, key),
        )
        if not rows:
            return None
        row = rows[0]
        return Stored(
            str(row["body_hash"]), int(row["status"]), json.loads(row["response"])
        )

    def put(self, account: str, key: str, stored: Stored) -> bool:
        """Keep a response; False if the key was taken meanwhile."""
        try:
            with self.store.transaction() as tx:
                tx.execute(
                    "INSERT INTO {api_idempotency} (account, idem_key, body_hash, "
                    "status, response, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        account,
                        key,
                        stored.body_hash,
                        stored.status,
                        json.dumps(stored.response, ensure_ascii=False),
                        datetime.now(UTC).isoformat(),
                    ),
                )
        except DUPLICATE_ERRORS:
            return False
        return True
