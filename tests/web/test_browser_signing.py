"""Signing in the browser, in Debian's Chromium (SQLite and PostgreSQL): a
teacher makes a key that never leaves the browser, the director approves it,
the browser signs a lesson sheet with it; the page refuses to sign what the
form does not say; a revoked key signs nothing; the key cannot be exported."""

from __future__ import annotations

from typing import Any

from api.server.office import Office
from tests.support.browser import screenshot_path
from tests.support.browser_keys import (
    check_signed_by,
    events,
    registration,
    sheet,
    stored,
)
from tests.support.browser_signing import (
    People,
    approve_in_browser,
    enrol_in_browser,
    grouped,
)
from tests.support.web import Site

#: prepare(body): what the server prepares for this person's browser key
PREPARE = """async (body) => {
    const st = await LetopisSigning.state();
    const local = await LetopisSigning.localKey(st);
    const answer = await fetch("/app/signed/lesson-sheet/prepare", {
        method: "POST",
        credentials: "same-origin",
        headers: {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "X-CSRF-Token": st.csrf,
        },
        body: JSON.stringify({key: local.keyId, body}),
    });
    return {st, local, status: answer.status, answer: await answer.json()};
}"""
TAMPERED = (
    "async (body) => {\nconst prepare = "
    + PREPARE
    + """;
    const S = window.LetopisSigning;
    const {st, local, answer} = await prepare(body);
    const prepared = answer.envelopes;
    const copy = () => JSON.parse(JSON.stringify(prepared));
    const mark = copy(); mark[1].data.mark = "2";
    const extra = copy(); extra.push({...extra[1], seq: extra.length + 1});
    const topic = copy(); topic[0].data.topic = "Другая тема";
    const other = copy();
    other[0].data.teacher = "00000000-0000-0000-0000-000000000001";
    const dropped = copy(); dropped.pop();
    const lists = {mark, extra, topic, other, dropped};
    const reasons = {};
    for (const [name, list] of Object.entries(lists)) {
        reasons[name] = S.check("lesson-sheet", body, list, st);
    }
    let refused = null;
    try {
        await S.sign("lesson-sheet", body, mark, local, st);
    } catch (e) {
        refused = {name: e.name, message: e.message, reasons: e.reasons};
    }
    const untouched = S.check("lesson-sheet", body, prepared, st);
    return {untouched, reasons, refused};
}"""
)
EXPORT = """async () => {
    const k = await LetopisSigning.localKey();
    const tries = {};
    for (const format of ["pkcs8", "jwk", "raw"]) {
        try {
            await crypto.subtle.exportKey(format, k.pair.privateKey);
            tries[format] = "exported";
        } catch (e) {
            tries[format] = e.name;
        }
    }
    return {extractable: k.pair.privateKey.extractable, tries};
}"""


def office_of(site: Site) -> Office:
    office: Office = site.app.state.office
    return office


def test_a_key_made_in_the_browser_signs_a_lesson_sheet(
    site: Site, people: People
) -> None:
    office = office_of(site)
    teacher = people.signed_in("maths")
    key = enrol_in_browser(teacher, site.url, "Ноутбук, кабинет 12")
    assert grouped(key) in teacher.inner_text("table.keys")
    teacher.screenshot(
        path=screenshot_path(f"keys-enrol-{site.store.kind}"), full_page=True
    )
    assert teacher.evaluate("LetopisSigning.ready()") is False  # not approved yet

    director = people.signed_in("director")
    director.goto(site.url + "/app/keys/requests")
    card = director.locator("li.card", has_text=grouped(key))
    assert "«Ноутбук, кабинет 12»" in card.inner_text()
    assert "учитель, классный руководитель" in card.inner_text()
    card.locator("summary").click()  # what signing appends, shown in full
    assert "trust.SignerKeyRegistered" in card.inner_text()
    assert key in card.inner_text()
    director.screenshot(
        path=screenshot_path(f"keys-approve-{site.store.kind}"), full_page=True
    )
    approve_in_browser(director, site.url, key)
    assert "Ключ зарегистрирован" in director.inner_text("main")

    teacher.reload()
    teacher.wait_for_selector("#browser-key:has-text('действует')")
    assert teacher.evaluate("LetopisSigning.ready()") is True
    public_key = bytes.fromhex(
        teacher.evaluate("LetopisSigning.localKey().then((k) => k.publicKey)")
    )
    assert registration(office, key).data["public_key"] == public_key.hex()

    before = events(office)
    answer: dict[str, Any] = teacher.evaluate(
        "(body) => LetopisSigning.submit('lesson-sheet', body)", sheet(site.school, 2)
    )
    names = answer["events"]
    assert len(names) == 4  # the lesson, two marks, one absence
    assert events(office) == before + 4
    for name in names:
        envelope = stored(office, name)  # read back from the store
        assert [s.key for s in envelope.sigs] == [key]
        check_signed_by(envelope, public_key)
    lesson = stored(office, names[0])
    assert lesson.data["homework"] == "№ 12, 14"
    assert lesson.data["teacher"] == str(site.school.staff("maths"))


def test_the_page_refuses_to_sign_what_the_form_does_not_say(
    site: Site, people: People
) -> None:
    office = office_of(site)
    teacher = people.signed_in("maths")
    key = enrol_in_browser(teacher, site.url, "Телефон")
    approve_in_browser(people.signed_in("director"), site.url, key)
    teacher.reload()
    body = sheet(site.school, 2)
    before = events(office)
    found: dict[str, Any] = teacher.evaluate(TAMPERED, body)
    assert found["untouched"] == []  # what the server prepared says what the form says
    reasons = found["reasons"]
    assert any("отметка" in r and "«2»" in r for r in reasons["mark"])
    assert any("подготовлено записей: 5" in r for r in reasons["extra"])
    assert any("тема" in r and "Другая тема" in r for r in reasons["topic"])
    assert any("не от вашего имени" in r for r in reasons["other"])
    assert any("подготовлено записей: 3" in r for r in reasons["dropped"])
    refused = found["refused"]
    assert refused["name"] == "SigningError"
    assert "Подпись отменена" in refused["message"]
    assert reasons["mark"][0] in refused["message"]  # why, even where only it is shown
    assert refused["reasons"] == reasons["mark"]
    assert events(office) == before  # nothing signed, nothing written


def test_a_revoked_key_is_refused_and_no_key_can_be_exported(
    site: Site, people: People
) -> None:
    office = office_of(site)
    teacher = people.signed_in("maths")
    key = enrol_in_browser(teacher, site.url, "Старый ноутбук")
    exported = teacher.evaluate(EXPORT)
    assert exported["extractable"] is False
    assert set(exported["tries"].values()) == {"InvalidAccessError"}

    approve_in_browser(people.signed_in("director"), site.url, key)
    teacher.goto(site.url + "/app/keys")
    row = teacher.locator("tr", has_text=grouped(key))
    row.locator("input[name=reason]").fill("Ноутбук потерян")
    row.get_by_role("button", name="Отозвать").click()
    teacher.wait_for_url(f"{site.url}/app/keys?revoked={key}")
    teacher.wait_for_selector("#browser-key:has-text('отозван')")
    assert teacher.is_visible("#enrol")  # a new key may be made

    before = events(office)
    refused = teacher.evaluate(
        """(body) => LetopisSigning.submit('lesson-sheet', body).then(
            () => "signed", (e) => e.message)""",
        sheet(site.school, 2),
    )
    assert "отозван" in refused
    by_server = teacher.evaluate(PREPARE, sheet(site.school, 2))
    assert by_server["status"] == 403
    assert by_server["answer"]["type"].endswith("key-not-valid")
    assert events(office) == before
