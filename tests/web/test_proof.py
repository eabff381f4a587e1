"""The proof page of an entry, on SQLite and PostgreSQL: what it hands the
browser is a genuine proof (checked here by the independent verifier's own
code), whose entries a person may prove (152-ФЗ), and an entry appended after
the latest checkpoint, which is neither in the diary nor proven until sealed."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.server.listing import LiveRecords
from ledger.records.journal import LessonInput, MarkInput
from tests.support.diary_school import (
    TODAY,
    VOID_REASON,
    DiarySchool,
    diary_app,
    module_store,
)
from tests.support.school import TEST
from tests.support.stores import Store
from tests.support.web import sign_in
from verify.merkle import leaf_hash, verify_inclusion
from verify.note import parse_checkpoint, parse_verifier_key


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def diary(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DiarySchool]:
    path = tmp_path_factory.mktemp("proof")
    with module_store(request.param, path) as store, diary_app(store) as d:
        yield d


def client_of(d: DiarySchool, login: str) -> TestClient:
    client = TestClient(d.app)
    sign_in(client, login)
    return client


def proof_of(html: str) -> dict[str, Any]:
    found = re.search(
        r'<script type="application/json" id="proof-data">(.*?)</script>', html, re.S
    )
    assert found, "the page carries no proof"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def verified(data: dict[str, Any]) -> dict[str, Any]:
    """Check the page's proof with verify/ (what proof.js does in the browser);
    the envelope it proves."""
    envelope = base64.b64decode(data["envelope"])
    assert base64.b64decode(data["leafHash"]) == leaf_hash(envelope)
    checkpoint = parse_checkpoint(data["checkpoint"])
    name, key = parse_verifier_key(data["logKey"])
    checkpoint.verify(name, key)
    assert checkpoint.size == data["treeSize"]
    verify_inclusion(
        data["leafIdx"],
        data["treeSize"],
        leaf_hash(envelope),
        [base64.b64decode(h) for h in data["proof"]],
        checkpoint.root,
    )
    stored: dict[str, Any] = json.loads(envelope)
    return stored


def test_a_marks_page_carries_a_genuine_proof_of_what_the_diary_shows(
    diary: DiarySchool,
) -> None:
    page = client_of(diary, "guardian").get(f"/app/proof/{diary.corrected}")
    assert page.status_code == 200
    data = proof_of(page.text)
    envelope = verified(data)
    stream, seq = diary.corrected.split(":")
    assert (envelope["stream"], envelope["seq"]) == (stream, int(seq))
    assert envelope["type"] == "journal.MarkRecorded"
    assert envelope["data"]["pupil"] == str(diary.ivanov)
    assert data["expect"] == {
        "log": "letopis.test/school-1",
        "stream": stream,
        "seq": int(seq),
        "type": "journal.MarkRecorded",
        "data": {
            "pupil": str(diary.ivanov),
            "mark": "3",
            "work_type": "самостоятельная работа",
            "weight": 2,
        },
    }
    assert data["logKey"].startswith("letopis.test/school-1+")
    assert data["logKey"].endswith(
        base64.b64encode(b"\x01" + diary.office.directory.log_public_key).decode()
    )
    words = re.sub(r"<[^>]+>", " ", page.text)
    assert "Исправление отметки на «5»: описка" in words
    correction = re.search(r'href="/app/proof/([0-9a-f-]{36}:\d+)"', page.text)
    assert correction is not None
    later = client_of(diary, "guardian").get(f"/app/proof/{correction.group(1)}")
    fixed = verified(proof_of(later.text))
    assert fixed["type"] == "journal.MarkCorrected"
    assert fixed["data"]["corrects"] == diary.corrected
    assert fixed["data"]["mark"] == "5"


def test_a_proof_is_shown_only_to_those_who_may_read_the_pupil(
    diary: DiarySchool,
) -> None:
    smirnovas = client_of(diary, "parent2").get(
        f"/app/diary/{diary.smirnova}?week=2024-10-02"
    )
    entry = re.search(r'href="/app/proof/([0-9a-f-]{36}:\d+)"', smirnovas.text)
    assert entry is not None
    for login in ("pupil", "guardian", "cover"):
        refused = client_of(diary, login).get(f"/app/proof/{entry.group(1)}")
        assert refused.status_code == 403, login
        assert "proof-data" not in refused.text
    assert (
        client_of(diary, "maths").get(f"/app/proof/{entry.group(1)}").status_code == 200
    )
    rows = diary.office.access.page(0, 1000)
    assert any(
        r.account == "pupil"
        and r.action == f"refused 403: proof {entry.group(1)}"
        and r.subject == f"pupil:{diary.smirnova}"
        for r in rows
    )


def test_a_voids_reason_is_shown_as_text(diary: DiarySchool) -> None:
    guardian = client_of(diary, "guardian")
    mark = guardian.get(f"/app/proof/{diary.voided}").text
    void = re.search(r'href="/app/proof/([0-9a-f-]{36}:\d+)"', mark)
    assert void is not None
    assert "Аннулирование записи: выставлена ошибочно: &#34;&lt;i&gt;повтор" in mark
    page = guardian.get(f"/app/proof/{void.group(1)}").text
    assert "<i>" not in page
    assert verified(proof_of(page))["data"]["reason"] == VOID_REASON


def test_a_period_grade_has_its_proof_too(diary: DiarySchool) -> None:
    live = LiveRecords(diary.office.app)
    [grade] = [
        r
        for r in live.rows("view_grades", "pupil = ?", (str(diary.ivanov),))
        if r.subject == "math" and r.data["period"] == "Q1"
    ]
    page = client_of(diary, "guardian").get(f"/app/proof/{grade.event}")
    assert page.status_code == 200
    assert "Отметка за период" in page.text
    envelope = verified(proof_of(page.text))
    assert envelope["type"] == "attestation.PeriodGradeRecorded"
    assert envelope["data"]["grade"] == "5"
    assert proof_of(page.text)["expect"]["data"] == {
        "pupil": str(diary.ivanov),
        "subject": "math",
        "period": "Q1",
        "grade": "5",
    }
    pupil = client_of(diary, "pupil")
    assert pupil.get(f"/app/proof/{grade.event}").status_code == 200  # their own
    other = next(
        r
        for r in live.rows("view_grades", "pupil = ?", (str(diary.smirnova),))
        if r.type == "attestation.PeriodGradeRecorded"
    )
    assert pupil.get(f"/app/proof/{other.event}").status_code == 403


@pytest.mark.parametrize(
    "entry",
    [
        "not-an-entry",
        "00000000-0000-0000-0000-000000000000:1",
        "{lesson}:999",
        "{lesson}:1",  # the lesson itself: it concerns no single pupil
        "<script>:1",
    ],
)
def test_an_entry_that_is_not_a_pupils_record_is_not_found(
    diary: DiarySchool, entry: str
) -> None:
    page = client_of(diary, "guardian").get(
        "/app/proof/" + entry.format(lesson=diary.first_lesson)
    )
    assert page.status_code == 404
    assert "Такой записи нет в журнале школы" in page.text
    assert "<script>:1" not in page.text


# -- an entry after the latest checkpoint ---------------------------------------------


@pytest.fixture
def unsealed(store: Store) -> Iterator[tuple[DiarySchool, str]]:
    """The diary school and a mark of Иванов's recorded today, not yet sealed."""
    with diary_app(store) as d:
        s = d.school
        s.clock.set(TODAY, 14)
        [lesson] = s.records.journal.record_lessons(
            [
                LessonInput(
                    s.klass("9А"),
                    "math",
                    TODAY,
                    "Системы уравнений",
                    number=2,
                    marks=(MarkInput(d.ivanov, "4", TEST),),
                )
            ],
            signed_by=s.signing("maths"),
        )
        yield d, f"{lesson}:2"


def test_an_entry_after_the_checkpoint_waits_for_the_next_one(
    unsealed: tuple[DiarySchool, str],
) -> None:
    d, entry = unsealed
    guardian = client_of(d, "guardian")
    week = f"/app/diary/{d.ivanov}?week={TODAY:%Y-%m-%d}"
    assert "Системы уравнений" not in guardian.get(week).text
    waiting = guardian.get(f"/app/proof/{entry}")
    assert waiting.status_code == 200
    assert "ещё не заверена подписанной контрольной точкой" in waiting.text
    assert "proof-data" not in waiting.text
    d.office.sealer.seal()
    shown = guardian.get(week).text
    assert "Системы уравнений" in shown
    assert f'href="/app/proof/{entry}"' in shown
    envelope = verified(proof_of(guardian.get(f"/app/proof/{entry}").text))
    assert envelope["data"]["mark"] == "4"
    assert date.fromisoformat(envelope["at"][:10]) == TODAY
