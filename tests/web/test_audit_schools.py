"""The console on a server of many schools, on SQLite and PostgreSQL: the
municipality's auditor chooses a school and verifies it; a school's own
auditor reads only their school."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.server.accounts import Account
from ledger.log import Sealer
from tests.support.audit import finished, start_verification
from tests.support.schools import MUNICIPALITY, Deployment, deployment, serving
from tests.support.web import csrf_of, sign_in

A, B = "school-a", "school-b"


@pytest.fixture(params=["sqlite", "postgres"])
def schools(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    d = deployment(request, tmp_path)
    for code in (A, B):
        d.school(code)
    d.add(MUNICIPALITY)
    d.accounts(MUNICIPALITY, Account("inspector", ("auditor",)))
    for code in (A, B):  # sealed, as a running deployment keeps them
        ledger = d.stores[code].open()
        Sealer(ledger).seal()
        ledger.close()  # its connections go back now, not at the end
    yield d
    d.close()


def test_the_municipal_auditor_verifies_another_school(schools: Deployment) -> None:
    with serving(schools) as client:
        sign_in(client, f"inspector@{MUNICIPALITY}")
        listing = client.get("/app/audit/schools")
        assert listing.status_code == 200
        for code in (A, B):
            assert f'href="/app/audit?school={code}"' in listing.text
        home = client.get("/app/audit", params={"school": B}).text
        assert f"школа <strong>{B}</strong>" in home
        assert f"letopis.test/{B}" in home
        assert f'href="/app/audit/verify?school={B}"' in home  # the school is kept
        run = start_verification(client, B)
        page = finished(client, run)
        assert "ЦЕЛ: проверено записей" in page
        assert f"letopis.test/{B}" in page
        runs_b = client.get("/app/audit/verify", params={"school": B}).text
        assert '<span class="badge good">цел</span>' in runs_b
        runs_a = client.get("/app/audit/verify", params={"school": A}).text
        assert "Проверок ещё не было." in runs_a
        # the run is recorded in school B's store, not in A's
        assert client.get(run.replace(B, A)).status_code == 404
        nowhere = client.get("/app/audit", params={"school": "nowhere"})
        assert nowhere.status_code == 404
        assert "Нет такой школы" in nowhere.text


def test_a_school_s_auditor_reads_only_their_school(schools: Deployment) -> None:
    with serving(schools) as client:
        sign_in(client, f"auditor@{A}")
        assert client.get("/app/audit").status_code == 200
        other = client.get("/app/audit/verify", params={"school": B})
        assert other.status_code == 403
        assert f"Аудитор школы {A} проверяет только свою школу, не {B}" in other.text
        csrf = csrf_of(client.get("/app/audit/verify").text)
        posted = client.post(f"/app/audit/verify?school={B}", data={"csrf": csrf})
        assert posted.status_code == 403
        assert client.get("/app/audit/schools").status_code == 403
        assert "другая школа" not in client.get("/app/audit").text
