"""The Merkle log (DESIGN §3): where it is stored (``store``), roots and proofs
from the stored subtrees (``tree``), and the sealer that appends leaves and signs
checkpoints (``sealer``), which checks each new entry first (``entries``) and
remembers what it signed outside the store (``remembered``). The names below
are the log's public surface.
"""

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
