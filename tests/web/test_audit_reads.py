"""The console's read-only pages, on SQLite and PostgreSQL: the access log
filtered by date and person and paginated, and inclusion and consistency
proofs (the same as the JSON API's); bad input is said next to its field,
with status 422, and nothing is written."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from api.server.accounts import Account
from api.server.office import Office
from tests.support.serving import PASSWORD
from tests.support.web import Web, sign_in

ROWS = 60


def office_of(web: Web) -> Office:
    office: Office = web.app.state.office
    return office


def reads(web: Web) -> None:
    """60 reads: maths reads pupil 0's diary on 1–20 October 2024 and the
    9А journal; english reads pupil 1 on 1–20 November."""
    office = office_of(web)
    maths = Account("maths", ("teacher", "class_teacher"))
    english = Account("english", ("teacher",))
    s = web.school
    for day in range(1, 21):
        at = datetime(2024, 10, day, 9, tzinfo=UTC)
        office.access.record(maths, "report diary", f"pupil:{s.pupils[0]}", at)
        office.access.record(maths, "lesson list", f"class:{s.klass('9А')}", at)
        at = datetime(2024, 11, day, 9, tzinfo=UTC)
        office.access.record(english, "report diary", f"pupil:{s.pupils[1]}", at)


def count(page: str, label: str) -> int:
    found = re.search(rf"{label}: <strong>(\d+)</strong>", page)
    assert found, page[:3000]
    return int(found.group(1))


def test_the_access_log_is_filtered_by_date_and_person_a_page_at_a_time(
    web: Web,
) -> None:
    reads(web)
    sign_in(web.client, "auditor")
    page = web.client.get("/app/audit/access").text
    assert count(page, "Всего строк") == ROWS
    assert "цепочка строк на странице цела" in page
    assert "страница 1 из 2" in page
    following = re.search(r'href="([^"]*page_number=2[^"]*)"', page)
    assert following
    second = web.client.get(html.unescape(following.group(1))).text
    assert "страница 2 из 2" in second
    assert '<td class="num">51</td>' in second
    october = web.client.get(
        "/app/audit/access",
        params={"since": "2024-10-05", "until": "2024-10-06", "account": "maths"},
    ).text
    assert count(october, "Найдено строк") == 4
    assert "english" not in october.split("<tbody>")[1]
    whose = web.client.get(
        "/app/audit/access", params={"whose": str(web.school.pupils[1])}
    ).text
    assert count(whose, "Найдено строк") == 20
    assert "maths</td>" not in whose
    klass = web.client.get(
        "/app/audit/access",
        params={"whose": str(web.school.klass("9А")), "until": "2024-10-10"},
    ).text
    assert count(klass, "Найдено строк") == 10


def test_bad_filters_are_said_next_to_their_field_and_nothing_is_written(
    web: Web,
) -> None:
    reads(web)
    sign_in(web.client, "auditor")
    before = office_of(web).access.count()
    cases: list[tuple[dict[str, str], str]] = [
        ({"since": "31.12.2024"}, "Дата в виде ГГГГ-ММ-ДД"),
        ({"since": "2024-10-05", "until": "2024-10-01"}, "«По» не может быть раньше"),
        ({"page_number": "-1"}, "Номер страницы — целое число от 1."),
        ({"account": "x" * 101}, "Не длиннее 100 знаков."),
    ]
    for params, message in cases:
        answer = web.client.get("/app/audit/access", params=params)
        assert answer.status_code == 422, params
        assert message in answer.text
        assert "Фильтр не применён" in answer.text
    kept = web.client.get("/app/audit/access", params={"since": "<b>x</b>"}).text
    assert 'value="&lt;b&gt;x&lt;/b&gt;"' in kept
    assert office_of(web).access.count() == before


def api(web: Web, path: str) -> Any:
    token = web.client.post(
        "/token", data={"username": "auditor", "password": PASSWORD}
    ).json()["access_token"]
    answer = web.client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_an_inclusion_proof_is_the_api_s_and_checks(web: Web) -> None:
    sign_in(web.client, "auditor")
    event = f"{web.lesson}:1"
    page = web.client.get(
        "/app/audit/proofs", params={"proof": "inclusion", "event": event}
    ).text
    assert "Доказательство проверено: путь от листа ведёт к корню дерева." in page
    assert "Запись</dt><dd>урок от 01.10.2024, класс 9А, math" in page
    same = api(web, f"/proofs/inclusion?event={event}")
    for value in same["proof"]:
        assert f'"{value}"' in page
    assert f'"root": "{same["root"]}"' in page
    assert "есть, с тем же корнем" in page


def test_a_consistency_proof_is_the_api_s_and_checks(web: Web) -> None:
    latest = office_of(web).sealer.store.latest_checkpoint()
    assert latest is not None
    sign_in(web.client, "auditor")
    page = web.client.get(
        "/app/audit/proofs", params={"proof": "consistency", "size_from": "3"}
    ).text
    assert (
        f"Доказательство проверено: дерево размера {latest.size} продолжает "
        "дерево размера 3." in page
    )
    same = api(web, "/proofs/consistency?from=3")
    for value in same["proof"]:
        assert f'"{value}"' in page


def test_bad_proof_requests_are_said_next_to_their_field(web: Web) -> None:
    office = office_of(web)
    latest = office.sealer.store.latest_checkpoint()
    assert latest is not None
    size = latest.size
    sign_in(web.client, "auditor")
    before = (office.app.recorder.max_notification_id(), office.access.count())
    cases: list[tuple[dict[str, str], str, str]] = [
        (
            {"proof": "inclusion", "index": "0", "tree_size": str(size + 10)},
            "tree_size",
            f"Размер {size + 10} вне журнала: подписанная контрольная точка "
            f"покрывает {size} записей; допустимо от 1 до {size}.",
        ),
        (
            {"proof": "inclusion", "index": "abc"},
            "index",
            "Целое число от 0.",
        ),
        (
            {"proof": "inclusion", "index": str(size + 5)},
            "index",
            "Такой записи нет в запечатанном журнале",
        ),
        (
            {"proof": "inclusion", "event": "not-an-event"},
            "event",
            "Запись указывается как ПОТОК:НОМЕР",
        ),
        (
            {"proof": "inclusion", "event": f"{web.lesson}:1", "index": "0"},
            "event",
            "Укажите что-то одно",
        ),
        (
            {"proof": "inclusion", "index": "5", "tree_size": "3"},
            "tree_size",
            "Лист не входит в дерево размера 3: укажите размер 6 или больше.",
        ),
        (
            {"proof": "consistency", "size_from": "5", "size_to": "3"},
            "size_from",
            "«От» должно быть от 1 до 3",
        ),
        (
            {"proof": "consistency", "size_from": "1", "size_to": str(size + 1)},
            "size_to",
            f"Размер {size + 1} вне журнала",
        ),
        ({"proof": "consistency"}, "size_from", "Укажите размер «от»"),
    ]
    for params, field, message in cases:
        answer = web.client.get("/app/audit/proofs", params=params)
        assert answer.status_code == 422, params
        error = re.search(
            rf'id="{field}-error" class="field-error">([^<]*)<', answer.text
        )
        assert error, (params, answer.text[-3000:])
        assert message in html.unescape(error.group(1)), params
        assert "Доказательство не построено" in answer.text
    assert (office.app.recorder.max_notification_id(), office.access.count()) == before


def client_for(web: Web, login: str) -> TestClient:
    client = web.new_client()
    sign_in(client, login)
    return client
