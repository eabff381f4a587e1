"""`letopis accounts` on a real store (SQLite and PostgreSQL), in process.

Accounts are append-only: a new password or a deactivation is a new version
of the login, and every refusal names what is allowed and writes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from api.cli import app
from api.server.accounts import AccountStore
from tests.support.school import SmallSchool, build
from tests.support.stores import PASSPHRASE, Store

PASSWORD = "yellow lamp, quiet river"
ENV = {
    "LETOPIS_KEY_PASSPHRASE": PASSPHRASE,
    "LETOPIS_PASSWORD_TIME_COST": "1",
    "LETOPIS_PASSWORD_MEMORY_KIB": "1024",
    "COLUMNS": "200",
}


@dataclass
class Office:
    """The store, its small school, and a runner of `letopis accounts`."""

    store: Store
    school: SmallSchool

    def run(self, *args: str, stdin: str | None = None) -> Result:
        where = ["--store", self.store.url, "--keys", str(self.store.keys)]
        return CliRunner().invoke(
            app, ["accounts", *args, *where], input=stdin, env=ENV
        )

    def listed(self, *flags: str) -> list[dict[str, Any]]:
        done = self.run("list", "--json", *flags)
        assert done.exit_code == 0, done.output
        rows: list[dict[str, Any]] = json.loads(done.stdout)
        return rows

    def accounts(self) -> AccountStore:
        return AccountStore(self.store.open())


@pytest.fixture
def office(store: Store) -> Office:
    school = build(store)
    store.key_directory.add_signer("maths", school.keys["maths"])
    return Office(store, school)


def _teacher(o: Office, login: str = "ivanova", *extra: str) -> list[str]:
    return [
        "add",
        login,
        "--role",
        "teacher",
        "--role",
        "class_teacher",
        "--name",
        "Иванова М. П.",
        "--staff",
        str(o.school.staff("maths")),
        "--key-label",
        "maths",
        "--password-stdin",
        *extra,
    ]


def test_add_passwd_deactivate_keep_every_version(office: Office) -> None:
    o = office
    assert o.run(*_teacher(o), stdin=PASSWORD + "\n").exit_code == 0
    children = [f"--pupil={p}" for p in o.school.pupils[:2]]
    guardian = o.run(
        "add",
        "petrov",
        "--role",
        "guardian",
        *children,
        "--password-stdin",
        stdin=PASSWORD,
    )
    assert guardian.exit_code == 0, guardian.output
    assert (
        o.run(
            "passwd", "ivanova", "--password-stdin", stdin="new one, twice typed\n"
        ).exit_code
        == 0
    )
    assert o.run("deactivate", "ivanova").exit_code == 0

    current = {row["login"]: row for row in o.listed()}
    assert current["ivanova"]["version"] == 3
    assert current["ivanova"]["active"] is False
    assert current["ivanova"]["display_name"] == "Иванова М. П."
    assert current["petrov"]["pupils"] == [str(p) for p in o.school.pupils[:2]]
    history = [(r["version"], r["change"]) for r in o.listed("--history")]
    ivanova = [(1, "created"), (2, "password"), (3, "deactivated")]
    assert history == [*ivanova, (1, "created")]
    accounts = o.accounts()
    assert accounts.get("ivanova") is None
    assert accounts.authenticate("ivanova", "new one, twice typed") is None


def test_new_password_replaces_the_old_one(office: Office) -> None:
    o = office
    assert o.run(*_teacher(o), stdin=PASSWORD + "\n").exit_code == 0
    assert (
        o.run(
            "passwd", "ivanova", "--password-stdin", stdin="new one, twice typed\n"
        ).exit_code
        == 0
    )
    accounts = o.accounts()
    assert accounts.authenticate("ivanova", PASSWORD) is None
    found = accounts.authenticate("ivanova", "new one, twice typed")
    assert found is not None
    assert found.staff == o.school.staff("maths")
    assert found.key_label == "maths"


def test_password_from_a_prompt_asked_twice(office: Office) -> None:
    o = office
    done = o.run(
        "add", "auditor1", "--role", "auditor", stdin=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert done.exit_code == 0, done.output
    assert "Repeat for confirmation" in done.output
    assert PASSWORD not in done.output
    assert o.accounts().authenticate("auditor1", PASSWORD) is not None


def test_table_lists_the_accounts(office: Office) -> None:
    o = office
    assert o.run(*_teacher(o), stdin=PASSWORD + "\n").exit_code == 0
    done = o.run("list")
    assert done.exit_code == 0
    assert "API accounts" in done.stdout
    assert "ivanova" in done.stdout
    assert "Иванова" in done.stdout


REFUSED = {
    "unknown role": (["--role", "janitor"], "allowed: teacher, class_teacher"),
    "unknown staff": (["--role", "teacher", "--staff", "0" * 32], "no staff member"),
    "not an id": (["--role", "pupil", "--pupil", "nobody"], "is not an id"),
    "unknown pupil": (["--role", "pupil", "--pupil", "1" * 32], "no pupil with"),
    "a pupil's two pupils": (["--role", "pupil"], "names exactly one pupil"),
    "no staff id": (["--role", "teacher"], "needs the staff member's id"),
    "bad login": (["--role", "auditor"], "login 'Bad Login!' is not usable"),
}


def test_bad_input_is_refused_and_writes_nothing(office: Office) -> None:
    o = office
    assert o.run(*_teacher(o), stdin=PASSWORD + "\n").exit_code == 0
    before = o.listed("--history")
    for case, (args, message) in REFUSED.items():
        login = "Bad Login!" if case == "bad login" else "newcomer"
        if case == "a pupil's two pupils":
            args = [*args, *(f"--pupil={p}" for p in o.school.pupils[:2])]

        done = o.run("add", login, *args, "--password-stdin", stdin=PASSWORD + "\n")

        assert done.exit_code == 2, (case, done.output)
        assert message in done.stderr, case
        assert "Traceback" not in done.output
    assert o.listed("--history") == before


WEAK = {
    "": "is empty",
    "short1": "use at least 10",
    "ivanova+smirnova": "contains the login",
    "aaaaaaaaaaaa": "too easy to guess",
    "letopis-demo": "the demo password",
}


def test_weak_passwords_are_refused_and_write_nothing(office: Office) -> None:
    o = office
    assert o.run(*_teacher(o, "smirnova"), stdin=PASSWORD + "\n").exit_code == 0
    before = o.listed("--history")
    for password, message in WEAK.items():
        added = o.run(*_teacher(o), stdin=password + "\n")
        changed = o.run("passwd", "smirnova", "--password-stdin", stdin=password + "\n")
        for done in (added, changed):
            assert done.exit_code == 2, (password, done.output)
            assert message in done.stderr, password
    assert o.listed("--history") == before


def test_duplicate_login_and_unknown_login_are_refused(office: Office) -> None:
    o = office
    assert o.run(*_teacher(o), stdin=PASSWORD + "\n").exit_code == 0
    before = o.listed("--history")

    again = o.run(*_teacher(o), stdin=PASSWORD + "\n")
    nobody = o.run("passwd", "nobody", "--password-stdin", stdin=PASSWORD + "\n")
    twice = o.run("deactivate", "ivanova")
    once_more = o.run("deactivate", "ivanova")

    assert again.exit_code == 2
    assert "exists already" in again.stderr
    assert nobody.exit_code == 2
    assert "known logins: ivanova" in nobody.stderr
    assert twice.exit_code == 0
    assert once_more.exit_code == 2
    assert "already deactivated" in once_more.stderr
    assert len(o.listed("--history")) == len(before) + 1


def test_key_of_another_holder_is_refused(office: Office) -> None:
    o = office
    o.store.key_directory.add_signer("english", o.school.keys["english"])
    done = o.run(*_teacher(o)[:-3], "--key-label", "english", "--password-stdin")
    assert done.exit_code == 2
    assert "is held by" in done.stderr
    assert o.listed() == []
