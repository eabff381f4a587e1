"""Signing in to the web pages: sessions, CSRF, fixation, timeouts, refusals."""

from __future__ import annotations

import html
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from api.server.accounts import Account
from api.server.web import human_time
from api.server.web.pages import SESSION_COOKIE
from api.server.web.sessions import WebSessions
from tests.support.serving import PASSWORD
from tests.support.web import Web, csrf_of, sign_in


def test_root_leads_to_the_sign_in_page(web: Web) -> None:
    answer = web.client.get("/", follow_redirects=True)
    assert answer.status_code == 200
    assert answer.url.path == "/app/login"
    assert "Вход в Летопись" in answer.text


def test_a_page_without_a_session_asks_to_sign_in_and_returns_there(web: Web) -> None:
    answer = web.client.get("/app/?x=1", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/app/login?next=%2Fapp%2F%3Fx%3D1"
    form = web.client.get(answer.headers["location"])
    assert 'name="next" value="/app/?x=1"' in form.text


def test_sign_in_opens_the_start_page_with_the_persons_roles(web: Web) -> None:
    answered = sign_in(web.client, "maths")
    cookie = answered.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()
    home = web.client.get("/app/")
    assert home.status_code == 200
    assert "учитель, классный руководитель" in home.text
    assert "Последняя подписанная контрольная точка" in home.text
    assert home.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in home.headers["content-security-policy"]


def test_a_wrong_password_is_refused_and_starts_no_session(web: Web) -> None:
    form = web.client.get("/app/login")
    answer = web.client.post(
        "/app/login",
        data={
            "username": "maths",
            "password": "wrong password!",
            "csrf": csrf_of(form.text),
        },
    )
    assert answer.status_code == 401
    assert "Неверное имя или пароль." in answer.text
    assert 'value="maths"' in answer.text  # what was typed stays
    assert SESSION_COOKIE not in web.client.cookies
    sessions: WebSessions = web.app.state.web_sessions
    assert len(sessions) == 0


def test_the_sign_in_form_without_its_token_is_refused(web: Web) -> None:
    answer = web.client.post(
        "/app/login", data={"username": "maths", "password": PASSWORD, "csrf": "x"}
    )
    assert answer.status_code == 403
    assert "устарела" in answer.text
    assert SESSION_COOKIE not in web.client.cookies


def test_sign_out_needs_the_sessions_token_and_ends_the_session(web: Web) -> None:
    sign_in(web.client, "deputy")
    session = web.client.cookies[SESSION_COOKIE]
    foreign = web.client.post("/app/logout", data={"csrf": "forged"})
    assert foreign.status_code == 403
    assert "CSRF" in foreign.text
    assert web.client.get("/app/", follow_redirects=False).status_code == 200
    token = csrf_of(web.client.get("/app/").text)
    out = web.client.post("/app/logout", data={"csrf": token}, follow_redirects=False)
    assert out.status_code == 303
    other = web.new_client()
    other.cookies.set(SESSION_COOKIE, session)
    assert other.get("/app/", follow_redirects=False).status_code == 303


def test_a_session_id_planted_before_sign_in_names_nothing_after(web: Web) -> None:
    planted = "attacker-chosen-session-id"
    web.client.cookies.set(SESSION_COOKIE, planted, domain="testserver.local", path="/")
    sign_in(web.client, "maths")
    assert web.client.cookies[SESSION_COOKIE] != planted
    attacker = web.new_client()
    attacker.cookies.set(SESSION_COOKIE, planted)
    assert attacker.get("/app/", follow_redirects=False).status_code == 303


def test_signing_in_again_replaces_the_session(web: Web) -> None:
    sign_in(web.client, "maths")
    first = web.client.cookies[SESSION_COOKIE]
    sign_in(web.client, "maths")
    assert web.client.cookies[SESSION_COOKIE] != first
    stale = web.new_client()
    stale.cookies.set(SESSION_COOKIE, first)
    assert stale.get("/app/", follow_redirects=False).status_code == 303


def test_a_session_times_out_when_idle() -> None:
    now = [0.0]
    sessions = WebSessions(idle_seconds=60, lifetime_seconds=3600, clock=lambda: now[0])
    session = sessions.start("school-1", "maths", 1)
    now[0] = 59
    assert sessions.find(session.id) is session
    now[0] = 59 + 61
    assert sessions.find(session.id) is None
    assert len(sessions) == 0


def test_a_session_ends_at_its_lifetime_even_when_busy() -> None:
    now = [0.0]
    sessions = WebSessions(idle_seconds=60, lifetime_seconds=100, clock=lambda: now[0])
    session = sessions.start("school-1", "maths", 1)
    for t in range(30, 100, 30):
        now[0] = t
        assert sessions.find(session.id) is session
    now[0] = 101
    assert sessions.find(session.id) is None


def test_a_new_password_ends_the_accounts_sessions(web: Web) -> None:
    sign_in(web.client, "secretary")
    office = web.app.state.office
    office.accounts.change_password("secretary", "another long password", by="admin")
    answer = web.client.get("/app/", follow_redirects=False)
    assert answer.status_code == 303


def test_next_never_leads_to_another_site(web: Web) -> None:
    form = web.client.get("/app/login?next=//evil.example/x")
    answer = web.client.post(
        "/app/login",
        data={
            "username": "maths",
            "password": PASSWORD,
            "csrf": csrf_of(form.text),
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/app/"


def test_names_are_escaped_on_every_page(web: Web) -> None:
    office = web.app.state.office
    school = web.school
    office.accounts.add(
        Account(
            "mallory",
            ("teacher",),
            school.staff("cover"),
            (),
            None,
            display_name='<script>alert("x")</script>',
        ),
        PASSWORD,
    )
    sign_in(web.client, "mallory")
    home = web.client.get("/app/").text
    assert "<script>alert" not in home
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in home


def test_the_api_documentation_loads_nothing_from_the_internet(web: Web) -> None:
    docs = web.client.get("/docs")
    assert docs.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert sources
    assert all(s.startswith("/") for s in sources), sources
    for source in sources:
        if source.startswith("/static-offline-docs/"):
            assert web.client.get(source).status_code == 200
    redoc = web.client.get("/redoc")
    assert "cdn" not in redoc.text.lower()
    assert "fonts.googleapis" not in redoc.text


def test_the_pages_assets_are_served_here(web: Web) -> None:
    page = web.client.get("/app/login").text
    for source in re.findall(r'(?:src|href)="(/app/static/[^"]+)"', page):
        assert web.client.get(source).status_code == 200
    assert "http://" not in page
    assert "https://" not in page


def test_an_unknown_page_and_a_bad_value_answer_with_russian_pages(web: Web) -> None:
    sign_in(web.client, "maths")
    missing = web.client.get("/app/no-such-page")
    assert missing.status_code == 404
    assert "Страница не найдена" in missing.text
    assert missing.headers["content-type"].startswith("text/html")
    api = web.client.get("/no-such-endpoint")
    assert api.headers["content-type"] == "application/problem+json"


def test_times_and_the_school_on_pages_are_the_schools_own(web: Web) -> None:
    """The checkpoint's time reads in the school's zone (Moscow), as printed
    reports show it, not in UTC; the footer names the school."""
    sign_in(web.client, "maths")
    office = web.app.state.office
    assert office.school_zone() == ZoneInfo("Europe/Moscow")
    latest = office.sealer.store.latest_checkpoint()
    signed = datetime.fromisoformat(latest.signed_at).astimezone(
        ZoneInfo("Europe/Moscow")
    )
    home = web.client.get("/app/").text
    assert f"{signed:%H:%M} (МСК)" in home
    assert " UTC." not in home
    # the footer names the school as registered, not by its code
    name = office.school_name()
    assert name != office.settings.school
    assert f"{html.escape(name)} · Летопись" in home


def test_a_time_without_the_schools_zone_says_utc() -> None:
    assert human_time("2026-06-30T07:00:00Z") == "30 июня 2026 г., 07:00 UTC"
    moscow = ZoneInfo("Europe/Moscow")
    assert human_time("2026-06-30T07:00:00Z", moscow) == "30 июня 2026 г., 10:00 (МСК)"
    yekaterinburg = ZoneInfo("Asia/Yekaterinburg")
    assert human_time("2026-06-30T07:00:00Z", yekaterinburg).endswith("12:00 (МСК+2)")
