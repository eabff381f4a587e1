"""A guardian reads the diary and checks a mark's proof in Chromium, on SQLite
and PostgreSQL; the browser's check refuses tampered proofs and agrees with
the RFC 6962 conformance vectors."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.support.browser import screenshot_path
from tests.support.diary_browser import diary_site, signed_in
from tests.support.diary_school import DiarySchool

VECTORS = Path(__file__).resolve().parents[3] / "shared" / "vectors" / "rfc6962"
ACCEPTED = {"happy-path.json", "matching-root-and-leaf.json"}
CHECK = "data => LetopisProof.check(data)"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, DiarySchool]]:
    """The diary school served over HTTP, one for the module's tests."""
    with diary_site(request.param, tmp_path_factory.mktemp("proof-browser")) as site:
        yield site


def test_a_guardian_reads_the_diary_and_checks_a_marks_proof(
    site: tuple[str, DiarySchool], browser: Browser
) -> None:
    url, d = site
    visit = signed_in(browser, url, "guardian")
    page = visit.page
    page.click("nav.sections >> text=Дневник")
    page.wait_for_url(f"{url}/app/diary/{d.ivanov}")
    assert "Неделя 13.01.2025 – 19.01.2025" in page.inner_text("main")
    page.click("text=← Предыдущая неделя")
    page.fill("#week-day", "02.10.2024")
    page.click("text=Показать")
    page.wait_for_url(f"{url}/app/diary/{d.ivanov}?week=02.10.2024")
    main = page.inner_text("main")
    assert "Неделя 30.09.2024 – 06.10.2024" in main
    assert "Дневник: Иванов Пётр Сергеевич" in main
    assert '<script>alert("тема")</script> Смутное время & «Романовы»' in main
    page.screenshot(path=screenshot_path("diary-guardian"), full_page=True)
    page.emulate_media(media="print")
    assert not page.locator("form.week-pick").is_visible()
    assert page.locator("table.diary").first.is_visible()
    page.screenshot(path=screenshot_path("diary-guardian-print"), full_page=True)
    page.emulate_media(media="screen")
    corrected = page.locator(f'a[href="/app/proof/{d.corrected}"]')
    assert corrected.inner_text() == "3→5"
    corrected.click()
    page.wait_for_url(f"{url}/app/proof/{d.corrected}")
    result = page.locator("#proof-result.ok")
    result.wait_for(timeout=15_000)
    text = result.inner_text()
    assert text.startswith("Проверено в браузере: запись входит в журнал школы")
    assert page.locator("#proof-steps li.ok").count() == 5
    page.screenshot(path=screenshot_path("proof-checked"), full_page=True)
    page.click("text=Исправление отметки на «5»: описка")
    page.locator("#proof-result.ok").wait_for(timeout=15_000)
    assert visit.faults == []
    page.close()
    phone = signed_in(browser, url, "guardian", width=390, height=844).page
    phone.goto(f"{url}/app/diary/{d.ivanov}?week=2024-10-02")
    phone.screenshot(path=screenshot_path("diary-guardian-phone"), full_page=True)
    wide = phone.evaluate("document.documentElement.scrollWidth")
    assert wide <= 390, f"the diary is {wide} px wide on a 390 px phone"
    phone.close()


def proof_data(page: Page) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(page.inner_text("#proof-data"))
    return data


def flipped(text: str, at: int = 0) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[at] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def test_the_browser_refuses_a_tampered_proof_and_says_why(
    site: tuple[str, DiarySchool], browser: Browser
) -> None:
    url, d = site
    page = signed_in(browser, url, "guardian").page
    page.goto(f"{url}/app/proof/{d.voided}")
    page.locator("#proof-result.ok").wait_for(timeout=15_000)
    genuine = proof_data(page)
    assert page.evaluate(CHECK, genuine)["ok"] is True

    def refused(**changes: Any) -> str:
        answer: dict[str, Any] = page.evaluate(CHECK, {**genuine, **changes})
        assert answer["ok"] is False, changes
        assert answer["steps"][-1]["ok"] is False
        message: str = answer["message"]
        assert message.startswith("Проверка не пройдена: ")
        return message

    path = list(genuine["proof"])
    path[0] = flipped(path[0])
    assert "а контрольная точка подписана для корня" in refused(proof=path)
    assert "хеш записи, вычисленный в браузере" in refused(
        leafHash=flipped(genuine["leafHash"])
    )
    envelope = base64.b64decode(genuine["envelope"])
    changed = envelope.replace(b'"mark":"2"', b'"mark":"5"')
    assert changed != envelope
    message = refused(envelope=base64.b64encode(changed).decode())
    assert 'в журнале записано mark = "5", а страница показывает "2"' in message
    note = genuine["checkpoint"]
    body, signatures = note.split("\n\n")
    name, signature = signatures.rstrip("\n").rsplit(" ", 1)
    bad = f"{body}\n\n{name} {flipped(signature, 10)}\n"
    assert "подпись контрольной точки ключом журнала" in refused(checkpoint=bad)
    needed = len(genuine["proof"])
    shorter = refused(proof=genuine["proof"][:-1])
    assert f"в пути доказательства {needed - 1} хеш" in shorter
    assert f"дерева размера {genuine['treeSize']} нужно {needed} хеш" in shorter
    other = refused(expect={**genuine["expect"], "seq": genuine["expect"]["seq"] + 1})
    assert "запись в журнале — не та" in other
    page.close()


def vector_files() -> list[Path]:
    return sorted(VECTORS.glob("inclusion/**/*.json"))


def test_the_browsers_merkle_check_meets_the_rfc6962_vectors(
    site: tuple[str, DiarySchool], browser: Browser
) -> None:
    url, d = site
    files = vector_files()
    assert len(files) > 50, f"no RFC 6962 vectors under {VECTORS}"
    probes = [json.loads(f.read_text(encoding="utf-8")) for f in files]
    page = signed_in(browser, url, "guardian").page
    page.goto(f"{url}/app/proof/{d.corrected}")
    page.locator("#proof-result.ok").wait_for(timeout=15_000)
    answers = page.evaluate(
        "probes => Promise.all(probes.map(p => LetopisProof.verifyVector(p)))", probes
    )
    wrong = [
        f"{f.relative_to(VECTORS)}: {a}"
        for f, p, a in zip(files, probes, answers, strict=True)
        if a["ok"] != (f.name in ACCEPTED) or a["ok"] == p["wantErr"]
    ]
    assert wrong == []
    page.close()
