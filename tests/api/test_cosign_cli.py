"""`letopis cosign`: the director lists, reads, signs and declines requests
from the command line, on the same desk and table as the HTTP API (SQLite and
PostgreSQL).

The command line keeps the system's time, so the requests are submitted at
it. The command runs in this process (Typer's runner) so that its desk can serve
the tests' attestat command: the command table of ``api.commands`` is given
to it as the server's would be.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from api import cli
from api.server import cosign
from tests.support.cosign import ATTESTAT_ISSUE, graduates, rows, signatures, submit
from tests.support.serving import PASSWORD, Served
from tests.support.stores import PASSPHRASE

Run = Callable[..., tuple[int, str]]


@pytest.fixture
def letopis(served: Served, monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setattr(cosign, "catalog_commands", lambda: (ATTESTAT_ISSUE,))
    runner = CliRunner()
    env = {
        "LETOPIS_STORE": served.store.url,
        "LETOPIS_KEYS": str(served.store.keys),
        "LETOPIS_KEY_PASSPHRASE": PASSPHRASE,
        "LETOPIS_SCHOOL": "school-1",
    }

    def run(*args: str, password: str = PASSWORD) -> tuple[int, str]:
        done = runner.invoke(
            cli.app,
            ["cosign", *args, "--password-stdin"],
            input=password + "\n",
            env=env,
        )
        return done.exit_code, done.output

    return run


def test_the_director_signs_and_declines_from_the_command_line(
    served: Served, letopis: Run
) -> None:
    run = letopis
    graduates(served, 0, 1)
    served.school.clock.now = datetime.now(UTC)  # the command line's clock
    first = submit(served, 0)
    second = submit(served, 1, first_blank=2)
    events = served.events()

    code, listed = run("list", "--account", "director", "--json")
    assert code == 0, listed
    assert {r["id"] for r in json.loads(listed)} == {str(first.id), str(second.id)}
    code, shown = run("show", str(first.id), "--account", "director")
    assert code == 0, shown
    assert "Иванов Пётр Сергеевич" in shown
    assert "would append: attestat.AttestatIssued" in shown

    written = rows(served)
    code, own = run("sign", str(first.id), "--account", "maths")
    assert code == 2
    assert "submitted" in own
    code, wrong = run("sign", str(first.id), "--account", "director", password="nope")
    assert code == 2
    assert "do not sign in" in wrong
    assert (served.events(), rows(served)) == (events, written)

    code, signed = run("sign", str(first.id), "--account", "director")
    assert code == 0, signed
    [name] = signed.split(": ")[1].split()
    keys = served.school.keys
    assert signatures(served, name) == [keys["maths"].key_id, keys["director"].key_id]
    code, declined = run(
        "decline", str(second.id), "--account", "director", "--reason", "не тот бланк"
    )
    assert code == 0, declined
    assert served.events() == events + 1
    code, none = run("list", "--account", "director")
    assert "nothing waits" in none
