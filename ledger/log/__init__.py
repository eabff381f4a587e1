"""The Merkle log (DESIGN §3): where it is stored (``store``), roots and proofs
from the stored subtrees (``tree``), and the sealer that appends leaves and signs
checkpoints (``sealer``), which checks each new entry first (``entries``) and
remembers what it signed outside the store (``remembered``). The names below
are the log's public surface.

Each name is imported from its module when first asked for (PEP 562), so a
reader of proofs or checkpoints does not load the sealer and, through it, the
whole write side.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ledger.log.entries import EntryRefusedError
    from ledger.log.remembered import SealerMemory
    from ledger.log.sealer import AutoSealer, Sealer
    from ledger.log.store import (
        DEFAULT_SEAL_INTERVAL,
        Leaf,
        LogConflictError,
        LogError,
        LogIntegrityError,
        LogStore,
        StoredCheckpoint,
    )
    from ledger.log.tree import StoredTree, border_keys, open_log
    from ledger.storage.tables import (
        POSTGRES_LOG_TABLES,
        SQLITE_LOG_SCHEMA,
        SQLITE_LOG_TABLES,
        postgres_log_schema,
    )

#: Each public name and the module it lives in.
_WHERE = {
    "EntryRefusedError": "ledger.log.entries",
    "SealerMemory": "ledger.log.remembered",
    "AutoSealer": "ledger.log.sealer",
    "Sealer": "ledger.log.sealer",
    "DEFAULT_SEAL_INTERVAL": "ledger.log.store",
    "Leaf": "ledger.log.store",
    "LogConflictError": "ledger.log.store",
    "LogError": "ledger.log.store",
    "LogIntegrityError": "ledger.log.store",
    "LogStore": "ledger.log.store",
    "StoredCheckpoint": "ledger.log.store",
    "StoredTree": "ledger.log.tree",
    "border_keys": "ledger.log.tree",
    "open_log": "ledger.log.tree",
    "POSTGRES_LOG_TABLES": "ledger.storage.tables",
    "SQLITE_LOG_SCHEMA": "ledger.storage.tables",
    "SQLITE_LOG_TABLES": "ledger.storage.tables",
    "postgres_log_schema": "ledger.storage.tables",
}

__all__ = [
    "DEFAULT_SEAL_INTERVAL",
    "POSTGRES_LOG_TABLES",
    "SQLITE_LOG_SCHEMA",
    "SQLITE_LOG_TABLES",
    "AutoSealer",
    "EntryRefusedError",
    "Leaf",
    "LogConflictError",
    "LogError",
    "LogIntegrityError",
    "LogStore",
    "Sealer",
    "SealerMemory",
    "StoredCheckpoint",
    "StoredTree",
    "border_keys",
    "open_log",
    "postgres_log_schema",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value  # asked once
    return value
