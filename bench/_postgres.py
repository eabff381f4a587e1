"""A throwaway PostgreSQL database for one benchmark run, dropped afterwards.

The server is ``LETOPIS_BENCH_PG`` (default ``postgresql://postgres@127.0.0.1:5432``),
reached as a superuser. The database is ``letopis_bench_<random>``; the owner and
application roles that ``letopis init`` creates are named after it and dropped
with it.
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

PG_SERVER = os.environ.get("LETOPIS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")


@dataclass(frozen=True)
class BenchDatabase:
    """A database made for one run, and the role names that go with it."""

    name: str

    @property
    def admin_url(self) -> str:
        return f"{PG_SERVER}/{self.name}"

    @property
    def owner_role(self) -> str:
        return f"{self.name}_owner"

    @property
    def app_role(self) -> str:
        return f"{self.name}_app"


class Roles(TypedDict, total=False):
    """The role names ``initialise`` takes for a PostgreSQL store."""

    owner_role: str
    app_role: str


def roles_of(db: BenchDatabase) -> Roles:
    """The role names made for ``db`` (dropped with it)."""
    return {"owner_role": db.owner_role, "app_role": db.app_role}


def unreachable_reason() -> str | None:
    """Why the PostgreSQL server cannot be used, or ``None`` when it can."""
    try:
        with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3):
            return None
    except psycopg.Error as e:
        return f"PostgreSQL at {PG_SERVER} is unreachable: {e}"


@contextmanager
def throwaway_database() -> Iterator[BenchDatabase]:
    """Create a fresh database; drop it (WITH (FORCE)) and its roles at the end."""
    db = BenchDatabase(f"letopis_bench_{uuid4().hex[:12]}")
    _admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db.name)))
    try:
        yield db
    finally:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        _admin(drop.format(sql.Identifier(db.name)))
        for role in (db.app_role, db.owner_role):
            _admin(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def _admin(statement: sql.Composed) -> None:
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(statement)
