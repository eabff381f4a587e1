"""Closing a period over HTTP (`POST /closings`): the periods list shows it,
and a mark in the closed period changes only as the deputy's correction that
cites an order (`order` on `/entries/{entry}/correction` and `/void`); every
refusal a problem naming its field, nothing written. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.support.school import YEAR
from tests.support.serving import Served

AFTER_Q1 = date(2024, 11, 6)  # the first quarter ended on 25 October
ORDER = {"number": "112-о", "date": "2024-11-05"}


def _close(served: Served, account: str, **scope: Any) -> Any:
    body = {"year": YEAR, "period": "Q1", **scope}
    return served.client.post("/closings", json=body, headers=served.auth(account))


def _period(served: Served, code: str) -> dict[str, Any]:
    answer = served.client.get(f"/periods?year={YEAR}", headers=served.auth("maths"))
    assert answer.status_code == 200, answer.text
    [scheme] = [s for s in answer.json()["schemes"] if 9 in s["grades"]]
    found: list[dict[str, Any]] = [p for p in scheme["periods"] if p["code"] == code]
    return found[0]


def test_a_closed_period_is_listed_and_its_marks_change_only_by_order(
    served: Served,
) -> None:
    served.school.clock.set(AFTER_Q1)
    assert _period(served, "Q1")["state"] == "ended"
    klass = str(served.school.klass("9А"))

    by_class = _close(served, "deputy", class_id=klass, subject="math")
    assert by_class.status_code == 201, by_class.text
    q1 = _period(served, "Q1")
    assert q1["state"] == "ended"  # closed for 9А's mathematics only
    assert [c["event"] for c in q1["closings"]] == by_class.json()["events"]
    assert q1["closings"][0]["subject"] == "math"

    school = _close(served, "director")
    assert school.status_code == 201, school.text
    q1 = _period(served, "Q1")
    assert q1["state"] == "closed"
    assert q1["closed_by"] == school.json()["events"][0]
    assert len(q1["closings"]) == 2
    assert _period(served, "Q2")["state"] == "open"

    before = served.events()
    again = _close(served, "deputy")
    assert again.status_code == 409, again.text
    assert again.json()["field"] == "body.period"
    teacher = _close(served, "maths", class_id=klass)
    assert teacher.status_code == 403
    entry = f"{served.lesson}:2"
    fix = {"mark": "5", "reason": "ошибка при вводе"}
    own = served.client.post(
        f"/entries/{entry}/correction", json=fix, headers=served.auth("maths")
    )
    assert own.status_code == 422, own.text
    assert "order" in own.json()["detail"]
    bare = served.client.post(
        f"/entries/{entry}/correction", json=fix, headers=served.auth("deputy")
    )
    assert bare.status_code == 422, bare.text
    assert served.events() == before

    cited = served.client.post(
        f"/entries/{entry}/correction",
        json={**fix, "order": ORDER},
        headers=served.auth("deputy"),
    )
    assert cited.status_code == 201, cited.text
    voided = served.client.post(
        f"/entries/{served.lesson}:3/void",
        json={"reason": "отметка выставлена ошибочно", "order": ORDER},
        headers=served.auth("deputy"),
    )
    assert voided.status_code == 201, voided.text
    assert served.events() == before + 2


def test_a_period_is_closed_only_after_its_last_day(served: Served) -> None:
    served.school.clock.set(date(2024, 10, 20))
    before = served.events()
    early = _close(served, "deputy")
    assert early.status_code == 422, early.text
    assert early.json()["field"] == "body.period"
    unknown = _close(served, "deputy", subject="astro")
    assert unknown.status_code in (404, 422), unknown.text
    typo = served.client.post(
        "/closings",
        json={"year": YEAR, "period": "Q1", "klass": "9А"},
        headers=served.auth("deputy"),
    )
    assert typo.status_code == 422
    assert served.events() == before
