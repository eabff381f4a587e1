"""A throwaway PostgreSQL database, for the tests and the benchmarks alike.

The server is reached as a superuser: ``LETOPIS_TEST_PG`` for the tests,
``LETOPIS_BENCH_PG`` for the benchmarks (both default to
``postgresql://postgres@127.0.0.1:5432``). A database is named
``<prefix>_<random>``; the owner and application roles that ``letopis init``
creates are named after it and dropped with it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypedDict
from uuid import uuid4

import psycopg
from psycopg import sql

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_ADMIN = os.environ.get("LETOPIS_TEST_PG", DEFAULT_SERVER)
BENCH_SERVER = os.environ.get("LETOPIS_BENCH_PG", DEFAULT_SERVER)


class Roles(TypedDict, total=False):
    """The role names ``initialise`` takes for a PostgreSQL store."""

    owner_role: str
    app_role: str


@dataclass(frozen=True)
class PostgresDatabase:
    """A database made for one test or run, and the role names that go with it."""

    name: str
    server: str = PG_ADMIN

    @property
    def admin_url(self) -> str:
        return f"{self.server}/{self.name}"

    @property
    def owner_role(self) -> str:
        return f"{self.name}_owner"

    @property
    def app_role(self) -> str:
        return f"{self.name}_app"

    def roles(self) -> Roles:
        """The role names made for this database (dropped with it)."""
        return {"owner_role": self.owner_role, "app_role": self.app_role}


def unreachable_reason(server: str = PG_ADMIN) -> str | None:
    """Why the PostgreSQL server cannot be used, or ``None`` when it can."""
    try:
        with psycopg.connect(f"{server}/postgres", connect_timeout=3):
            return None
    except psycopg.Error as e:
        return f"PostgreSQL at {server} is unreachable: {e}"


@contextmanager
def throwaway_database(
    prefix: str, server: str = PG_ADMIN
) -> Iterator[PostgresDatabase]:
    """Create a fresh database; drop it (WITH (FORCE)) and its roles at the end."""
    db = PostgresDatabase(f"{prefix}_{uuid4().hex[:12]}", server)
    _admin(server, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db.name)))
    try:
        yield db
    finally:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        _admin(server, drop.format(sql.Identifier(db.name)))
        for role in (db.app_role, db.owner_role):
            drop_role = sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role))
            _admin(server, drop_role)


def _admin(server: str, statement: sql.Composed) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(statement)
