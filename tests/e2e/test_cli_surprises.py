"""No surprise for a new user (issue 11, items 12 and 14), in a real subprocess.

A mistyped store is refused by every command but `init`, and stays absent;
`init` records nothing in a store that holds events; `keys add` checks the
holder and the roles against the ledger; failures are one sentence with exit
code 1 or 2, never a traceback. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.support.cli import letopis
from tests.support.pg import PG_ADMIN, PostgresDatabase
from tests.support.school import build
from tests.support.stores import Store, require_postgres

TEST_PASSPHRASE = "test-passphrase"  # tests.conftest's, for stores built there

#: Every command that opens a store, with what it needs besides --store/--keys.
STORE_COMMANDS: list[tuple[str, ...]] = [
    ("keys", "list", "KEYS"),
    ("keys", "add", "x", "KEYS", "--holder", str(uuid.uuid4()), "--role", "teacher"),
    ("keys", "revoke", "0" * 32, "KEYS", "--reason", "lost"),
    ("keys", "rotate", "0" * 32, "x2", "KEYS"),
    ("seal", "KEYS"),
    ("checkpoint",),
    ("proof", "inclusion", "--index", "0"),
    ("proof", "consistency", "--from", "1"),
    ("report", "summary", "KEYS", "--class", "9А"),
    ("report", "all", "KEYS", "--out", "OUT"),
    ("rebuild", "KEYS"),
    ("export", "KEYS", "--out", "OUT"),
    ("accounts", "list", "KEYS"),
    ("serve", "KEYS"),
]


def _args(command: tuple[str, ...], store: str, tmp_path: Path) -> list[str]:
    replaced: list[str] = []
    for part in command:
        if part == "KEYS":
            replaced += ["--keys", str(tmp_path / "keys")]
        elif part == "OUT":
            replaced.append(str(tmp_path / "out"))
        else:
            replaced.append(part)
    return [*replaced, "--store", store]


def _refused(done: subprocess.CompletedProcess[str], code: int = 2) -> str:
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stderr.startswith("error: "), done.stderr
    text: str = done.stderr
    return text


# -- every command but init refuses a store that does not exist ----------------------


@pytest.mark.parametrize("command", STORE_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_mistyped_sqlite_path_is_refused_and_stays_absent(
    command: tuple[str, ...], tmp_path: Path
) -> None:
    typo = tmp_path / "schol.db"
    env = {"LETOPIS_TOKEN_SECRET": "x" * 40}
    done = letopis(*_args(command, f"sqlite:///{typo}", tmp_path), env=env)
    message = _refused(done)
    assert f"SQLite store {typo} does not exist" in message
    assert "letopis init" in message
    assert not typo.exists()
    assert not (tmp_path / "out").exists()


def test_verify_on_a_missing_store_is_exit_2_and_stays_absent(tmp_path: Path) -> None:
    typo = tmp_path / "schol.db"
    done = letopis("verify", "--store", f"sqlite:///{typo}", "--keys", str(tmp_path))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert not typo.exists()


def test_a_missing_postgres_database_is_refused(tmp_path: Path) -> None:
    require_postgres()
    name = f"letopis_t_missing_{uuid.uuid4().hex[:8]}"
    for command in (("keys", "list", "KEYS"), ("seal", "KEYS"), ("checkpoint",)):
        done = letopis(*_args(command, f"{PG_ADMIN}/{name}", tmp_path))
        message = _refused(done)
        assert f"PostgreSQL database {name!r}" in message
        assert "does not exist" in message
    assert not _database_exists(name)


def test_a_missing_postgres_schema_is_refused_and_not_made(
    postgres_database: PostgresDatabase, tmp_path: Path
) -> None:
    url = f"{postgres_database.admin_url}?schema=letopis"
    for command in STORE_COMMANDS[:6]:
        message = _refused(letopis(*_args(command, url, tmp_path)))
        assert "(schema 'letopis')" in message
        assert "does not exist" in message
    with psycopg.connect(postgres_database.admin_url) as conn:
        schemas = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname = 'letopis'"
        ).fetchall()
    assert schemas == []


# -- init records nothing in a store that holds events (item 12) ---------------------


@dataclass
class Initialised:
    kind: str
    admin: str  # the URL init was given
    app: str  # the URL the application uses
    keys: Path
    roles: list[str]

    def where(self) -> list[str]:
        return ["--store", self.app, "--keys", str(self.keys)]

    def init(self, keys: Path | None = None) -> list[str]:
        return [
            "init",
            "--store",
            self.admin,
            "--keys",
            str(keys or self.keys),
            "--origin",
            "letopis.test/cli",
            *self.roles,
        ]

    def rows(self) -> dict[str, object]:
        """Every table and its rows: what a refused `init` must not change."""
        if self.kind == "sqlite":
            db = sqlite3.connect(self.app.removeprefix("sqlite:///"))
            try:
                objects = db.execute(
                    "SELECT type, name FROM sqlite_master ORDER BY type, name"
                ).fetchall()
                return {
                    n: db.execute(f"SELECT * FROM {n} ORDER BY 1").fetchall()
                    for kind, n in objects
                    if kind == "table" and not n.startswith("sqlite_")
                } | {"objects": objects}
            finally:
                db.close()
        with psycopg.connect(self.admin) as conn:
            names = [
                r[0]
                for r in conn.execute(
                    "SELECT relname FROM pg_class WHERE relnamespace = "
                    "'letopis'::regnamespace AND relkind = 'r' ORDER BY relname"
                )
            ]
            return {
                n: conn.execute(f'SELECT * FROM letopis."{n}" ORDER BY 1').fetchall()
                for n in names
            } | {"objects": names}

    def drop_log_leaves(self, *tables: str) -> None:
        """What tampering by the database owner leaves: events, no leaves table
        (nor the other log ``tables``)."""
        dropped = ("log_leaves", *tables)
        if self.kind == "sqlite":
            db = sqlite3.connect(self.app.removeprefix("sqlite:///"))
            with db:
                for table in dropped:
                    db.execute(f"DROP TABLE {table}")
            db.close()
            return
        with psycopg.connect(self.admin, autocommit=True) as conn:
            for table in dropped:
                conn.execute(f"DROP TABLE letopis.letopis_{table} CASCADE")


@pytest.fixture(params=["sqlite", "postgres"])
def initialised(request: pytest.FixtureRequest, tmp_path: Path) -> Initialised:
    keys = tmp_path / "keys"
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'l.db'}"
        made = Initialised("sqlite", url, url, keys, [])
    else:
        db: PostgresDatabase = request.getfixturevalue("postgres_database")
        roles = ["--owner-role", db.owner_role, "--app-role", db.app_role]
        made = Initialised("postgres", db.admin_url, "", keys, roles)
    done = letopis(*made.init())
    assert done.returncode == 0, done.stderr
    made.app = done.stdout.split("--store ")[-1].strip()
    holder = ["--holder", str(uuid.uuid4()), "--first-staff"]
    added = letopis("keys", "add", "a", *made.where(), *holder, "--role", "director")
    assert added.returncode == 0, added.stderr
    return made


def test_init_again_on_an_intact_store_records_nothing(
    initialised: Initialised,
) -> None:
    before = initialised.rows()
    again = letopis(*initialised.init())
    assert again.returncode == 0, again.stderr
    assert "holds 4 events, all sealed: nothing recorded" in again.stdout
    assert initialised.rows() == before


def test_init_on_a_store_whose_log_is_gone_is_refused_and_writes_nothing(
    initialised: Initialised,
) -> None:
    initialised.drop_log_leaves()
    before = initialised.rows()
    message = _refused(letopis(*initialised.init()))
    assert "holds 4 events already that its Merkle log does not cover" in message
    assert "run `letopis verify`" in message
    assert initialised.rows() == before


def test_init_on_a_store_of_another_log_is_refused_and_writes_nothing(
    initialised: Initialised, tmp_path: Path
) -> None:
    before = initialised.rows()
    other = tmp_path / "other-keys"
    message = _refused(letopis(*initialised.init(keys=other)))
    assert "holds 4 events already" in message
    assert "is not its key directory" in message
    assert not other.exists()
    assert initialised.rows() == before


# -- keys add: a registered staff member, a role their position allows ---------------


@pytest.fixture
def staffed(store: Store) -> tuple[list[str], dict[str, str]]:
    """A small school with its staff registered; (--store/--keys, staff ids)."""
    school = build(store)
    store.close_all()
    staff = {label: str(school.staff(label)) for label in ("director", "maths")}
    return ["--store", store.url, "--keys", str(store.keys)], staff


def _keys(where: list[str]) -> list[dict[str, object]]:
    done = letopis("keys", "list", *where, "--json", passphrase=TEST_PASSPHRASE)
    assert done.returncode == 0, done.stderr
    listed: list[dict[str, object]] = json.loads(done.stdout)
    return listed


@pytest.mark.parametrize(
    ("holder", "roles", "said"),
    [
        ("Ivanova", ["teacher"], "is not a staff id; give the UUID"),
        (
            "11111111-2222-4333-8444-555555555555",
            ["teacher"],
            "is not a registered staff member of this school",
        ),
        ("maths", ["director"], "registered as «Учитель математики», and may not"),
        ("maths", ["teacher", "deputy_director"], "may not hold the role deputy"),
        ("maths", ["janitor"], "are not signing roles; allowed:"),
    ],
)
def test_keys_add_refuses_who_may_not_hold_the_key_and_writes_nothing(
    staffed: tuple[list[str], dict[str, str]],
    tmp_path: Path,
    holder: str,
    roles: list[str],
    said: str,
) -> None:
    where, staff = staffed
    before = _keys(where)
    given = ["--holder", staff.get(holder, holder)]
    for role in roles:
        given += ["--role", role]
    done = letopis("keys", "add", "new", *where, *given, passphrase=TEST_PASSPHRASE)
    assert said in _refused(done)
    assert _keys(where) == before
    assert not (Path(where[3]) / "signers" / "new.key.pem").exists()


def test_keys_add_first_staff_only_while_no_staff_is_registered(
    staffed: tuple[list[str], dict[str, str]],
) -> None:
    where, _ = staffed
    before = _keys(where)
    holder = ["--holder", str(uuid.uuid4()), "--first-staff"]
    done = letopis(
        "keys", "add", "new", *where, *holder, "--role", "director",
        passphrase=TEST_PASSPHRASE,
    )  # fmt: skip
    assert "the first staff are registered already" in _refused(done)
    assert _keys(where) == before


def test_keys_add_for_a_registered_staff_member_in_their_roles(
    staffed: tuple[list[str], dict[str, str]],
) -> None:
    where, staff = staffed
    given = ["--holder", staff["director"].upper(), "--role", "director"]
    done = letopis("keys", "add", "dir-2", *where, *given, passphrase=TEST_PASSPHRASE)
    assert done.returncode == 0, done.stderr
    holders = [k["holder"] for k in _keys(where) if k["roles"] == ["director"]]
    assert holders.count(staff["director"]) == 2  # the canonical id is recorded


def test_keys_add_unregistered_holder_in_a_new_school_names_first_staff(
    tmp_path: Path,
) -> None:
    where = ["--store", f"sqlite:///{tmp_path / 'l.db'}", "--keys", str(tmp_path / "k")]
    assert letopis("init", *where).returncode == 0
    holder = ["--holder", str(uuid.uuid4())]
    done = letopis("keys", "add", "a", *where, *holder, "--role", "director")
    assert "mark the key of one who will register them" in _refused(done)


# -- no traceback: an unexpected failure is a sentence and exit 1 --------------------


@pytest.mark.parametrize(
    "command",
    [("checkpoint",), ("seal", "KEYS"), ("proof", "inclusion", "--index", "0")],
    ids=lambda c: c[0],
)
def test_a_store_with_its_log_gone_gives_a_sentence_not_a_traceback(
    initialised: Initialised, command: tuple[str, ...], tmp_path: Path
) -> None:
    initialised.drop_log_leaves("log_nodes", "log_checkpoints")
    assert initialised.keys == tmp_path / "keys"
    done = letopis(*_args(command, initialised.app, tmp_path))
    assert done.returncode in (1, 2), done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stderr.startswith("error: "), done.stderr


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    store = tmp_path / "notes.db"
    store.write_text("shopping list\n" * 200)
    done = letopis("keys", "list", "--store", f"sqlite:///{store}", "--keys", "k")
    assert "is not an SQLite database Letopis can read" in _refused(done)
    assert store.read_text() == "shopping list\n" * 200


def _database_exists(name: str) -> bool:
    with psycopg.connect(f"{PG_ADMIN}/postgres") as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
    return found is not None
