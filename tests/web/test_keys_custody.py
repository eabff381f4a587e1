"""Custodial keys wrapped by their holder's own password (SQLite and
PostgreSQL): moved with `letopis accounts wrap-key`, opened only at that
person's sign-in and held for that session or token, wrapped again on a new
password; keys still under the server's passphrase work as before, and
`letopis keys list` says which path each key takes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from api.cli import app as cli
from api.cli import common
from api.server.custody import NoCustodialKeyError
from api.server.office import Office
from api.server.web.sessions import WebSessions
from ledger.errors import TrustError
from ledger.keys.wrapped import is_wrapped, read_wrapped
from tests.support.browser_keys import events, sheet, stored
from tests.support.serving import PASSWORD
from tests.support.stores import PASSPHRASE
from tests.support.web import Web, csrf_of, sign_in

NEW_PASSWORD = "a brand new staircase"
ENV = {
    "LETOPIS_KEY_PASSPHRASE": PASSPHRASE,
    "LETOPIS_PASSWORD_TIME_COST": "1",
    "LETOPIS_PASSWORD_MEMORY_KIB": "1024",
    "COLUMNS": "200",
}


def letopis(web: Web, *args: str, stdin: str | None = None) -> Result:
    """The command line, its tables 200 columns wide. ``COLUMNS`` alone is not
    enough: Rich gives a terminal it takes for a dumb one 80 columns whatever
    ``COLUMNS`` says, unless the console's size is set; it is, for this call."""
    where = ["--store", web.store.url, "--keys", str(web.store.keys)]
    console = common.out
    kept = console._width, console._height
    console.size = (200, 50)
    try:
        return CliRunner().invoke(cli, [*args, *where], input=stdin, env=ENV)
    finally:
        console._width, console._height = kept


def office_of(web: Web) -> Office:
    office: Office = web.app.state.office
    return office


def token(web: Web, login: str, password: str = PASSWORD) -> dict[str, str]:
    answer = web.new_client().post(
        "/token", data={"username": login, "password": password}
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def listed_keys(web: Web) -> dict[str, dict[str, Any]]:
    done = letopis(web, "keys", "list", "--json")
    assert done.exit_code == 0, done.output
    return {row["key"]: row["custody"] for row in json.loads(done.stdout)}


def test_a_key_moved_to_its_holders_password_opens_only_at_their_sign_in(
    web: Web,
) -> None:
    office = office_of(web)
    maths_key = web.school.keys["maths"].key_id
    refused = letopis(
        web,
        "accounts",
        "wrap-key",
        "maths",
        "--password-stdin",
        stdin="wrong password\n",
    )
    assert refused.exit_code == 2
    assert "not the password of 'maths'" in refused.output
    assert not is_wrapped(office.directory, "maths")

    moved = letopis(
        web, "accounts", "wrap-key", "maths", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert moved.exit_code == 0, moved.output
    assert is_wrapped(office.directory, "maths")
    assert not (office.directory.path / "signers" / "maths.key.pem").exists()
    with pytest.raises(TrustError):
        office.directory.signer("maths")  # the server's passphrase opens it no more
    kept = listed_keys(web)
    assert kept[maths_key] == {"path": "password", "label": "maths", "login": "maths"}
    director = web.school.keys["director"].key_id
    assert kept[director] == {"path": "passphrase", "label": "director", "login": None}
    seal = office.directory.config["log_key"]
    assert kept[seal]["path"] == "seal"
    table = letopis(web, "keys", "list")
    assert "server: password of maths (maths)" in table.output
    assert "server: passphrase (director)" in table.output

    account = office.accounts.get("maths")
    assert account is not None
    with pytest.raises(NoCustodialKeyError, match="open only while they are signed in"):
        office.custodial(account)
    before = events(office)

    browser = web.new_client()
    sign_in(browser, "maths")  # the web session opens it
    assert office.holds.count() == 1
    assert office.custodial(account).author.key_id == maths_key
    page = browser.get("/app/keys")
    assert "на сервере, под вашим паролем" in page.text
    browser.post("/app/logout", data={"csrf": csrf_of(page.text)})
    assert office.holds.count() == 0  # signing out drops it at once
    with pytest.raises(NoCustodialKeyError):
        office.custodial(account)

    bearer = token(web, "maths")  # a token holds it for the token's lifetime
    appended = web.client.post(
        "/lesson-sheets", json=sheet(web.school, 2), headers=bearer
    )
    assert appended.status_code == 201, appended.text
    [first, *_] = appended.json()["events"]
    assert stored(office, first).author_key == maths_key
    assert events(office) == before + 4

    # a key still under the server's passphrase signs as before (the demo's path)
    director_token = token(web, "director")
    assert director_token
    assert office.custodial(office.accounts.get("director")).author.key_id == director  # type: ignore[arg-type]


def test_a_new_password_wraps_the_key_again(web: Web) -> None:
    office = office_of(web)
    moved = letopis(
        web, "accounts", "wrap-key", "maths", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert moved.exit_code == 0, moved.output
    old_token = token(web, "maths")
    file = read_wrapped(office.directory, "maths")
    version = office.accounts.latest("maths")
    assert version is not None

    wrong = letopis(
        web,
        "accounts",
        "passwd",
        "maths",
        "--password-stdin",
        stdin=f"not the current one\n{NEW_PASSWORD}\n",
    )
    assert wrong.exit_code == 2
    assert "does not open signer key" in wrong.output
    assert office.accounts.latest("maths") == version  # nothing written
    assert read_wrapped(office.directory, "maths") == file

    changed = letopis(
        web,
        "accounts",
        "passwd",
        "maths",
        "--password-stdin",
        stdin=f"{PASSWORD}\n{NEW_PASSWORD}\n",
    )
    assert changed.exit_code == 0, changed.output
    rewrapped = read_wrapped(office.directory, "maths")
    assert rewrapped.key == file.key
    assert rewrapped.unwrap(NEW_PASSWORD).key_id == file.key
    stale = web.client.post(
        "/lesson-sheets", json=sheet(web.school, 2), headers=old_token
    )
    assert stale.status_code == 401  # the old password's token is revoked
    account = office.accounts.get("maths")
    assert account is not None
    with pytest.raises(NoCustodialKeyError):
        office.custodial(account)  # what the old version held is not used
    fresh = token(web, "maths", NEW_PASSWORD)
    appended = web.client.post(
        "/lesson-sheets", json=sheet(web.school, 2), headers=fresh
    )
    assert appended.status_code == 201, appended.text


def test_a_forgotten_password_drops_the_key_only_once_it_is_revoked(web: Web) -> None:
    office = office_of(web)
    letopis(
        web, "accounts", "wrap-key", "maths", "--password-stdin", stdin=PASSWORD + "\n"
    )
    key = read_wrapped(office.directory, "maths").key
    no_current = letopis(
        web,
        "accounts",
        "passwd",
        "maths",
        "--drop-key",
        "--password-stdin",
        stdin=NEW_PASSWORD + "\n",
    )
    assert no_current.exit_code == 2
    assert "still in force: revoke it first" in no_current.output
    assert is_wrapped(office.directory, "maths")
    revoked = letopis(web, "keys", "revoke", key, "--reason", "пароль забыт")
    assert revoked.exit_code == 0, revoked.output
    dropped = letopis(
        web,
        "accounts",
        "passwd",
        "maths",
        "--drop-key",
        "--password-stdin",
        stdin=NEW_PASSWORD + "\n",
    )
    assert dropped.exit_code == 0, dropped.output
    assert not is_wrapped(office.directory, "maths")
    account = office.accounts.get("maths")
    assert account is not None
    assert account.key_label is None
    assert token(web, "maths", NEW_PASSWORD)


def test_wrap_key_refuses_what_it_cannot_move(web: Web) -> None:
    office = office_of(web)
    no_key = letopis(
        web,
        "accounts",
        "wrap-key",
        "auditor",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert no_key.exit_code == 2
    assert "has no key kept by the server" in no_key.output
    unknown = letopis(
        web, "accounts", "wrap-key", "nobody", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert unknown.exit_code == 2
    letopis(
        web, "accounts", "wrap-key", "maths", "--password-stdin", stdin=PASSWORD + "\n"
    )
    twice = letopis(
        web, "accounts", "wrap-key", "maths", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert twice.exit_code == 2
    assert "wrapped by its holder's password already" in twice.output
    assert is_wrapped(office.directory, "maths")


def test_a_session_that_times_out_unvisited_drops_what_it_held() -> None:
    now = [0.0]
    sessions = WebSessions(idle_seconds=60, lifetime_seconds=3600, clock=lambda: now[0])
    left = sessions.start("school-1", "maths", 1)
    left.held["signer"] = "the key opened at sign-in"
    now[0] = 100
    busy = sessions.start("school-1", "english", 1)
    now[0] = 130  # maths' session idle for 130 s, never visited again
    assert sessions.find(busy.id) is busy
    assert left.held == {}
    assert len(sessions) == 1
