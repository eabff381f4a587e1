"""Many schools, one server (issue 17, item 4), on SQLite and PostgreSQL.

Two schools and the municipality's own office live in one deployment (a file
or a schema each, a key directory each). An account acts only on its own
school: another school's records are not found (404) and naming another
school is refused (403), with nothing written there. Each school's log is its
own: its own checkpoint, export and verification. `letopis init --school`
adds a school to the running deployment, whose accounts then sign in and post.
The municipality's auditor lists every school and reads each.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.server.accounts import Account
from api.server.schools import Schools
from ledger.archive.export import export_archive
from ledger.log import Sealer
from ledger.storage.schools import school_keys
from tests.support.cli import letopis
from tests.support.school import WORK
from tests.support.schools import MUNICIPALITY, Deployment, deployment, serving, token
from tests.support.serving import DAY
from tests.support.stores import PASSPHRASE, Store
from verify.anchor import LogKey
from verify.sources import open_store
from verify.verifier import Verifier

A, B, C = "school-a", "school-b", "school-c"


@pytest.fixture(params=["sqlite", "postgres"])
def schools(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    d = deployment(request, tmp_path)
    for code in (A, B):
        d.school(code)
    d.add(MUNICIPALITY)
    d.accounts(MUNICIPALITY, Account("inspector", ("auditor",)))
    yield d
    d.close()


def bearer(client: TestClient, username: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(client, username)}", **headers}


def sheet(d: Deployment, code: str, number: int) -> dict[str, object]:
    school = d.schools[code]
    return {
        "class_id": str(school.klass("9А")),
        "subject": "math",
        "day": DAY.isoformat(),
        "number": number,
        "topic": f"Квадратные уравнения, урок {number}",
        "marks": [
            {"pupil": str(p), "mark": "5", "work_type": WORK} for p in school.pupils[:2]
        ],
        "absences": [],
    }


def events(d: Deployment, code: str) -> int:
    return int(d.stores[code].open().recorder.max_notification_id() or 0)


def test_an_account_acts_on_its_own_school_only(schools: Deployment) -> None:
    d = schools
    with serving(d) as client:
        a = bearer(client, f"maths@{A}")
        before = {code: events(d, code) for code in (A, B)}
        posted = client.post("/lesson-sheets", json=sheet(d, A, 1), headers=a)
        assert posted.status_code == 201, posted.text
        assert events(d, A) > before[A]
        assert events(d, B) == before[B]
        # writing to school B: refused, nothing written there
        b_sheet = sheet(d, B, 1)
        other = client.post(
            "/lesson-sheets", json=b_sheet, headers={**a, "X-Letopis-School": B}
        )
        assert other.status_code == 403, other.text
        problem = other.json()
        assert problem["field"] == "X-Letopis-School"
        assert problem["allowed"] == A
        served: Schools = client.app.state.schools  # type: ignore[attr-defined]
        assert not served.is_open(B)  # refused before B was opened
        # B's class, sent without naming B, is not A's: refused, nothing written
        unknown = client.post("/lesson-sheets", json=b_sheet, headers=a)
        assert unknown.status_code in (404, 422), unknown.text
        assert events(d, B) == before[B]
        # reading school B: refused as well
        read = client.get("/checkpoint", headers={**a, "X-Letopis-School": B})
        assert read.status_code == 403, read.text
        # the same login in school B is another account, of school B
        b = bearer(client, f"maths@{B}")
        mine = client.post("/lesson-sheets", json=b_sheet, headers=b)
        assert mine.status_code == 201, mine.text
        assert events(d, B) > before[B]


def test_each_school_has_its_own_log(schools: Deployment, tmp_path: Path) -> None:
    d = schools
    with serving(d) as client:
        for code, number in ((A, 1), (A, 2), (B, 1)):
            headers = bearer(client, f"maths@{code}")
            answer = client.post(
                "/lesson-sheets", json=sheet(d, code, number), headers=headers
            )
            assert answer.status_code == 201, answer.text
        notes = {
            code: client.get(
                "/checkpoint", headers=bearer(client, f"auditor@{code}")
            ).text
            for code in (A, B)
        }
    # the server's last sealing round covered every school's appends, each in
    # its own log signed by its own key
    for code in (A, B):
        assert notes[code].startswith(f"letopis.test/{code}\n")
        latest = Sealer(d.stores[code].open()).store.latest_checkpoint()
        assert latest is not None
        assert latest.size == events(d, code)
    for code in (A, B):
        store = d.stores[code]
        bag = export_archive(store.open(), tmp_path / f"bag-{code}")
        assert bag.entries == events(d, code)
        source = open_store(store.url)
        try:
            report = Verifier(
                log_key=LogKey.from_key_directory(store.keys), workers=1
            ).audit(source)
        finally:
            source.close()
        assert report.ok, report.findings


def test_a_sealing_process_seals_every_school_the_server_opens(
    schools: Deployment,
) -> None:
    """The deployment's loop in a child process: each school's checkpoint
    covers its appends while the server runs (the server itself seals only
    when it stops), and each school's /health/seal reports its own."""
    d = schools
    with serving(d, seal_process=True, seal_interval=0.1) as client:
        served: Schools = client.app.state.schools  # type: ignore[attr-defined]
        assert served.sealing.pid is not None
        for code in (A, B):
            headers = bearer(client, f"maths@{code}")
            posted = client.post(
                "/lesson-sheets", json=sheet(d, code, 1), headers=headers
            )
            assert posted.status_code == 201, posted.text
        for code in (A, B):
            appended = events(d, code)
            _until_sealed(client, bearer(client, f"auditor@{code}"), appended)
            latest = Sealer(d.stores[code].open()).store.latest_checkpoint()
            assert latest is not None
            assert latest.size == appended


def test_a_dead_sealing_process_of_the_deployment_is_reported(
    schools: Deployment,
) -> None:
    d = schools
    if d.kind != "sqlite":
        pytest.skip("one backend suffices: the process, not the store, is under test")
    with serving(d, seal_process=True, seal_interval=0.1) as client:
        served: Schools = client.app.state.schools  # type: ignore[attr-defined]
        auditor = bearer(client, f"auditor@{A}")
        _until(lambda: client.get("/health", headers=auditor).status_code == 200)
        pid = served.sealing.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        _until(lambda: client.get("/health", headers=auditor).status_code == 503)
        problem = client.get("/health/seal", headers=auditor).json()
        assert "the sealer has stopped" in problem["detail"]


def _until_sealed(client: TestClient, headers: dict[str, str], size: int) -> None:
    """Until the school's /health/seal reports a checkpoint of ``size``."""

    def sealed() -> bool:
        found = client.get("/health/seal", headers=headers).json()
        return bool(found.get("checkpoint_size") == size)

    _until(sealed)


def _until(check: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.05)


def test_init_school_on_a_running_deployment(schools: Deployment) -> None:
    d = schools
    with serving(d) as client:
        assert token(client, f"maths@{A}")
        refused = client.post(
            "/token", data={"username": f"maths@{C}", "password": "x" * 12}
        )
        assert refused.status_code == 401
        done = letopis(
            "init",
            "--store",
            d.admin_base,
            "--keys",
            str(d.keys),
            "--school",
            C,
            *_roles(d),
            passphrase=PASSPHRASE,
        )
        assert done.returncode == 0, done.stderr
        assert (school_keys(d.keys, C) / "letopis.json").is_file()
        store_line = next(
            line for line in done.stdout.splitlines() if "--store" in line
        )
        url = store_line.split("--store ", 1)[1].strip()
        d.stores[C] = Store(d.kind, url, school_keys(d.keys, C), url)
        d.school(C)
        posted = client.post(
            "/lesson-sheets", json=sheet(d, C, 1), headers=bearer(client, f"maths@{C}")
        )
        assert posted.status_code == 201, posted.text
        note = client.get("/checkpoint", headers=bearer(client, f"auditor@{C}"))
        assert note.text.startswith(f"letopis.example/{C}\n")


def _roles(d: Deployment) -> list[str]:
    roles = d.roles()
    if not roles:
        return []
    return ["--owner-role", roles["owner_role"], "--app-role", roles["app_role"]]


def test_the_municipal_auditor_reads_every_school(schools: Deployment) -> None:
    d = schools
    with serving(d) as client:
        inspector = bearer(client, f"inspector@{MUNICIPALITY}")
        listed = client.get("/schools", headers=inspector)
        assert listed.status_code == 200, listed.text
        assert [s["code"] for s in listed.json()] == sorted([A, B, MUNICIPALITY])
        for code in (A, B):
            note = client.get(
                "/checkpoint", headers={**inspector, "X-Letopis-School": code}
            )
            assert note.status_code == 200, note.text
            assert note.text.startswith(f"letopis.test/{code}\n")
        # a school's own auditor sees its school only, and reads no other
        own = bearer(client, f"auditor@{A}")
        assert [s["code"] for s in client.get("/schools", headers=own).json()] == [A]
        other = client.get("/checkpoint", headers={**own, "X-Letopis-School": B})
        assert other.status_code == 403
        # an unknown school is not found
        missing = client.get(
            "/checkpoint", headers={**inspector, "X-Letopis-School": "school-z"}
        )
        assert missing.status_code == 404
        assert missing.json()["field"] == "X-Letopis-School"
