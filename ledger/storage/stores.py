"""Store URLs and the one factory that builds the ledger application from them.

``sqlite:///path/to/file.db`` is the embedded default; ``postgresql://user[:pw]@
host[:port]/dbname[?schema=name]`` is for production. The URL becomes the
eventsourcing environment, so everything the library builds from that
environment (followers, projection runners) opens the same store with the
same keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from ledger.errors import StoreURLError

if TYPE_CHECKING:  # imported when a ledger is opened, not to read a URL
    from ledger.application import LedgerApplication

#: ``LedgerApplication.name``: the prefix of the eventsourcing environment,
#: here for readers that open the store without the application (proofs).
APPLICATION_NAME = "Letopis"

#: The store's URL in the application's environment: the report views read the
#: log through the verifier's own source (``projections.checked``), which needs it.
STORE_URL_ENV = "LETOPIS_STORE_URL"

ALLOWED = (
    "sqlite:///path/to/file.db or "
    "postgresql://user[:password]@host[:port]/dbname[?schema=name]"
)
DEFAULT_SCHEMA = "letopis"

#: eventsourcing's setting naming the application recorder's class, and the one
#: a PostgreSQL store uses: the library's, a save's rows sent in binary
#: (``ledger.storage.pg_recorder``; named here so that reading a URL does not
#: load the PostgreSQL driver).
RECORDER_TOPIC_ENV = "APPLICATION_RECORDER_TOPIC"
POSTGRES_RECORDER_TOPIC = "ledger.storage.pg_recorder:BinaryInsertRecorder"


@dataclass(frozen=True)
class StoreURL:
    """A parsed store URL."""

    url: str
    kind: str
    env: Mapping[str, str]

    @property
    def is_postgres(self) -> bool:
        return self.kind == "postgresql"

    @property
    def sqlite_path(self) -> Path:
        return Path(self.env["SQLITE_DBNAME"])

    @property
    def schema(self) -> str:
        return self.env.get("POSTGRES_SCHEMA", "")


def parse_store_url(url: str) -> StoreURL:
    """Parse ``url``; a malformed one raises :class:`StoreURLError`."""
    if not isinstance(url, str) or "://" not in url:
        raise StoreURLError(_bad(url, "it has no scheme"))
    scheme = url.split("://", 1)[0]
    if scheme == "sqlite":
        return _sqlite(url)
    if scheme in ("postgresql", "postgres"):
        return _postgres(url)
    raise StoreURLError(_bad(url, f"scheme {scheme!r} is not supported"))


def _sqlite(url: str) -> StoreURL:
    path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else ""
    if not path:
        raise StoreURLError(_bad(url, "it names no database file"))
    if path != ":memory:" and not url.startswith("sqlite:////"):
        path = str(Path(path))
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path}
    return StoreURL(url=url, kind="sqlite", env=env)


def _postgres(url: str) -> StoreURL:
    parts = urlsplit(url)
    dbname = unquote(parts.path.lstrip("/"))
    try:
        port = parts.port or 5432
    except ValueError as e:
        raise StoreURLError(_bad(url, "its port is not a number")) from e
    if not parts.hostname or not dbname or "/" in dbname:
        raise StoreURLError(_bad(url, "it needs a host and a database name"))
    query = parse_qs(parts.query)
    unknown = set(query) - {"schema"}
    if unknown:
        raise StoreURLError(_bad(url, f"unknown parameters {sorted(unknown)}"))
    schema = query.get("schema", [DEFAULT_SCHEMA])[0]
    if not schema.isidentifier() or schema.lower() != schema:
        raise StoreURLError(_bad(url, f"schema {schema!r} is not a lowercase name"))
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": parts.hostname,
        "POSTGRES_PORT": str(port),
        "POSTGRES_USER": unquote(parts.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_SCHEMA": schema,
        # The application role may not create tables; `letopis init` does.
        "CREATE_TABLE": "n",
        RECORDER_TOPIC_ENV: POSTGRES_RECORDER_TOPIC,
    }
    return StoreURL(url=url, kind="postgresql", env=env)


def _bad(url: object, why: str) -> str:
    return f"store URL {url!r} is not usable: {why}; use {ALLOWED}"


def open_ledger(
    url: str,
    *,
    keys: Path | str,
    passphrase: str | None = None,
    verify_on_read: bool = False,
    extra_env: Mapping[str, str] | None = None,
) -> LedgerApplication:
    """The ledger application on the store at ``url`` with the keys in ``keys``."""
    from ledger.application import LedgerApplication
    from ledger.mapper import KEYS_ENV, VERIFY_ON_READ_ENV

    store = parse_store_url(url)
    env = dict(store.env)
    env[KEYS_ENV] = str(keys)
    env[STORE_URL_ENV] = url
    env[VERIFY_ON_READ_ENV] = "y" if verify_on_read else "n"
    if passphrase is not None:
        env["LETOPIS_KEY_PASSPHRASE"] = passphrase
    env.update(extra_env or {})
    return LedgerApplication(env=env)
