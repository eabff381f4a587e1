"""Many schools in one deployment: where each school's store and keys live.

A deployment has one base store URL and one keys root. Each school gets:

- on PostgreSQL, its own schema in the one database, ``school_<code>`` (and
  ``school_<code>_views`` beside it): its events, its Merkle log, and the
  API's side tables (accounts, idempotency, access log, co-signature
  requests), nothing shared with another school, so that a schema is the
  unit Citus schema-based sharding can place on any node (docs/scale.md);
- on SQLite, its own file ``<code>.db`` in the directory the base URL names;
- its own key directory ``<keys root>/<code>/`` (log key, origin, custodial
  keys, personal data keys).

The keys root is the deployment's directory of schools: a school exists once
`letopis init --school CODE` has made its key directory and its store. No
table lists the schools, so no database object lies outside the schools'
schemas, and listing them reads a directory, not the database.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from ledger.errors import LedgerError
from ledger.storage.stores import parse_store_url

CODE_RULE = "1-48 characters: a-z, 0-9 and '-', starting with a letter or digit"
SCHEMA_PREFIX = "school_"
_CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,47}")


class SchoolCodeError(LedgerError):
    """A school code that cannot name a schema, a file and a key directory."""


@dataclass(frozen=True)
class SchoolEntry:
    """One school of the deployment, as its key directory says."""

    code: str
    origin: str


def check_code(code: str) -> str:
    """``code`` if it is a usable school code, else :class:`SchoolCodeError`."""
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        msg = f"school code {code!r} is not usable: use {CODE_RULE}"
        raise SchoolCodeError(msg)
    return code


def school_schema(code: str) -> str:
    """The PostgreSQL schema of school ``code``: ``school_`` and the code with
    ``_`` for ``-`` (codes have no ``_``, so two codes never share a schema)."""
    return SCHEMA_PREFIX + check_code(code).replace("-", "_")


def school_store(base: str, code: str) -> str:
    """The store URL of school ``code`` in the deployment whose base URL is
    ``base``: the school's schema on PostgreSQL, its file on SQLite."""
    store = parse_store_url(base)
    if store.is_postgres:
        parts = urlsplit(base)
        query = parse_qs(parts.query)
        query["schema"] = [school_schema(code)]
        return urlunsplit(parts._replace(query=urlencode(query, doseq=True)))
    folder = store.sqlite_path
    return f"sqlite:///{folder / (check_code(code) + '.db')}"


def school_keys(root: Path | str, code: str) -> Path:
    """The key directory of school ``code`` under the deployment's keys root."""
    return Path(root) / check_code(code)


def list_schools(root: Path | str) -> list[SchoolEntry]:
    """The schools whose key directory is under ``root``, by code.

    Reads only ``letopis.json`` (origin and log key, public), never a key."""
    found = []
    base = Path(root)
    if not base.is_dir():
        return []
    for folder in sorted(base.iterdir()):
        config = folder / "letopis.json"
        if not _CODE.fullmatch(folder.name) or not config.is_file():
            continue
        origin = json.loads(config.read_text()).get("origin", "")
        found.append(SchoolEntry(folder.name, str(origin)))
    return found
