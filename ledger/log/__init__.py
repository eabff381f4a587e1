"""The Merkle log (DESIGN §3): where it is stored (``store``), roots and proofs
from the stored subtrees (``tree``), and the sealer that appends leaves and signs
checkpoints (``sealer``). The names below are the log's public surface.
"""

from ledger.log.sealer import AutoSealer, Sealer
from ledger.log.store import (
    DEFAULT_SEAL_INTERVAL,
    POSTGRES_LOG_TABLES,
    SQLITE_LOG_SCHEMA,
    SQLITE_LOG_TABLES,
    Leaf,
    LogConflictError,
    LogError,
    LogIntegrityError,
    LogStore,
    StoredCheckpoint,
    postgres_log_schema,
)
from ledger.log.tree import StoredTree, border_keys, open_log

__all__ = [
    "DEFAULT_SEAL_INTERVAL",
    "POSTGRES_LOG_TABLES",
    "SQLITE_LOG_SCHEMA",
    "SQLITE_LOG_TABLES",
    "AutoSealer",
    "Leaf",
    "LogConflictError",
    "LogError",
    "LogIntegrityError",
    "LogStore",
    "Sealer",
    "StoredCheckpoint",
    "StoredTree",
    "border_keys",
    "open_log",
    "postgres_log_schema",
]
