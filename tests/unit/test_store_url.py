"""Store URLs: the two kinds Letopis opens, and clear errors for the rest."""

from __future__ import annotations

import pytest
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import resolve_topic

from ledger.errors import StoreURLError
from ledger.storage.pg_recorder import BinaryInsertRecorder
from ledger.storage.stores import RECORDER_TOPIC_ENV, parse_store_url


def test_sqlite_url_names_the_file() -> None:
    store = parse_store_url("sqlite:///school/letopis.db")
    assert store.kind == "sqlite"
    assert store.env["SQLITE_DBNAME"] == "school/letopis.db"
    assert store.env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"


def test_absolute_sqlite_path_is_kept() -> None:
    assert parse_store_url("sqlite:////var/lib/l.db").env["SQLITE_DBNAME"] == (
        "/var/lib/l.db"
    )


def test_postgres_url_becomes_the_library_environment() -> None:
    store = parse_store_url("postgresql://app:s%40cret@db.local:6543/school?schema=s1")
    assert store.is_postgres
    assert store.env["POSTGRES_HOST"] == "db.local"
    assert store.env["POSTGRES_PORT"] == "6543"
    assert store.env["POSTGRES_USER"] == "app"
    assert store.env["POSTGRES_PASSWORD"] == "s@cret"
    assert store.env["POSTGRES_DBNAME"] == "school"
    assert store.env["POSTGRES_SCHEMA"] == "s1"
    assert store.env["CREATE_TABLE"] == "n"


def test_postgres_store_inserts_through_the_binary_recorder() -> None:
    store = parse_store_url("postgresql://app@db.local/school")
    recorder = resolve_topic(store.env[RECORDER_TOPIC_ENV])
    assert recorder is BinaryInsertRecorder
    assert issubclass(recorder, PostgresApplicationRecorder)
    assert RECORDER_TOPIC_ENV not in parse_store_url("sqlite:///l.db").env


def test_postgres_schema_defaults_to_letopis() -> None:
    assert parse_store_url("postgresql://u@h/db").schema == "letopis"


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("letopis.db", "no scheme"),
        ("mysql://u@h/db", "scheme 'mysql' is not supported"),
        ("sqlite://", "names no database file"),
        ("sqlite:///", "names no database file"),
        ("postgresql://h", "needs a host and a database name"),
        ("postgresql:///db", "needs a host and a database name"),
        ("postgresql://u@h:port/db", "port is not a number"),
        ("postgresql://u@h/db?sslmode=x", "unknown parameters"),
        ("postgresql://u@h/db?schema=Bad-Name", "is not a lowercase name"),
    ],
)
def test_malformed_url_says_what_is_wrong_and_what_is_allowed(
    url: str, why: str
) -> None:
    with pytest.raises(StoreURLError) as caught:
        parse_store_url(url)
    message = str(caught.value)
    assert why in message
    assert "use sqlite:///path/to/file.db or postgresql://" in message
