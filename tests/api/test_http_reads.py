"""Reads: scoping of people's records, the access log, checkpoints, proofs, verify."""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest
from eventsourcing.persistence import PersistenceError

from api.server.access_log import chain_intact
from tests.support.serving import Served
from verify import merkle


def _get(s: Served, path: str, account: str) -> Any:
    return s.client.get(path, headers=s.auth(account))


def test_a_teacher_reads_only_the_classes_they_teach(served: Served) -> None:
    assert _get(served, f"/lessons/{served.lesson}", "maths").status_code == 200
    refused = _get(served, f"/lessons/{served.lesson}", "cover")
    assert refused.status_code == 403
    assert refused.json()["allowed"] == "classes you teach"


def test_an_unknown_lesson_is_404(served: Served) -> None:
    answer = _get(served, f"/lessons/{served.school.school}", "auditor")
    assert answer.status_code == 404
    missing = _get(served, "/lessons/00000000-0000-4000-8000-000000000000", "auditor")
    assert missing.status_code == 404
    assert missing.json()["field"] == "path.lesson"


def test_every_read_of_records_is_in_the_access_log(served: Served) -> None:
    for account in ("maths", "auditor", "director"):
        assert _get(served, f"/lessons/{served.lesson}", account).status_code == 200
    _get(served, f"/lessons/{served.lesson}", "cover")  # refused, and logged
    page = _get(served, "/access-log?limit=2", "auditor").json()
    assert page["total"] == 4
    assert page["next_offset"] == 2
    rest = _get(served, "/access-log?offset=2", "auditor").json()
    rows = page["items"] + rest["items"]
    assert [r["account"] for r in rows] == ["maths", "auditor", "director", "cover"]
    assert all(r["subject"].startswith("class:") for r in rows)
    assert rows[3]["action"] == f"refused 403: lesson {served.lesson}"
    assert not any(r["action"].startswith("refused") for r in rows[:3])
    from api.server.access_log import Access

    assert chain_intact([Access(**r) for r in rows])
    rows[1]["action"] = "something else"
    assert not chain_intact([Access(**r) for r in rows])


def test_the_access_log_refuses_update_and_delete(served: Served) -> None:
    _get(served, f"/lessons/{served.lesson}", "maths")
    store = served.office.access.store
    for statement in (
        "UPDATE {api_access_log} SET account = 'nobody'",
        "DELETE FROM {api_access_log}",
    ):
        with pytest.raises(PersistenceError), store.transaction() as tx:
            tx.execute(statement)
    assert served.office.access.count() == 1


def test_an_append_is_covered_by_a_checkpoint_within_the_seal_interval(
    served: Served,
) -> None:
    answer = served.client.post(
        "/lesson-sheets", json=served.sheet(2), headers=served.auth("maths")
    )
    name = answer.json()["events"][-1]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        proof = _get(served, f"/proofs/inclusion?event={name}", "pupil")
        if proof.status_code == 200:
            break
        time.sleep(0.1)
    assert proof.status_code == 200, proof.text
    p = proof.json()
    note = _get(served, "/checkpoint", "guardian").text
    assert note.splitlines()[1] == str(p["treeSize"])
    stream, seq = name.split(":")
    from uuid import UUID

    stored = served.office.app.recorder.select_events(
        UUID(stream), gt=int(seq) - 1, lte=int(seq)
    )[0].state
    merkle.verify_inclusion(
        p["leafIdx"],
        p["treeSize"],
        merkle.leaf_hash(stored),
        [base64.b64decode(h) for h in p["proof"]],
        base64.b64decode(p["root"]),
    )


def test_proof_requests_name_the_wrong_parameter(served: Served) -> None:
    served.office.sealer.seal()
    answer = _get(served, "/proofs/inclusion?index=0&tree_size=100000", "auditor")
    assert answer.status_code == 422
    assert answer.json()["field"] == "query.tree_size"
    both = _get(served, "/proofs/inclusion", "auditor")
    assert both.status_code == 422
    assert both.json()["field"] == "query.event"
    far = _get(served, "/proofs/consistency?from=100000", "auditor")
    assert far.status_code == 422
    assert far.json()["field"] == "query.from"


def test_the_auditor_verifies_the_store(served: Served) -> None:
    served.office.sealer.seal()
    report = served.client.post("/verify", headers=served.auth("auditor")).json()
    assert report["ok"] is True, report["findings"]
    again = served.client.post("/verify", headers=served.auth("auditor")).json()
    assert again["ok"] is True


def test_an_expired_or_forged_token_is_401(served: Served) -> None:
    forged = served.tokens["pupil"][:-4] + "AAAA"
    answer = served.client.get("/me", headers={"Authorization": f"Bearer {forged}"})
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    wrong = served.client.post("/token", data={"username": "maths", "password": "x"})
    assert wrong.status_code == 401


# -- reports ----------------------------------------------------------------------


def test_a_guardian_reads_the_childs_diary_and_it_is_logged(served: Served) -> None:
    pupil = served.school.pupils[0]
    answer = _get(served, f"/reports/diary?pupil={pupil}", "guardian")
    assert answer.status_code == 200, answer.text
    assert answer.json()["report"] == "diary"
    [row] = _get(served, "/access-log", "auditor").json()["items"]
    assert row["account"] == "guardian"
    assert row["subject"] == f"pupil:{pupil}"


def test_a_guardian_cannot_read_another_pupil_or_a_class(served: Served) -> None:
    other = served.school.pupils[1]
    refused = _get(served, f"/reports/portfolio?pupil={other}", "guardian")
    assert refused.status_code == 403
    journal = "/reports/journal?class=9А&year=2024/2025&subject=math&period=Q1"
    assert _get(served, journal, "pupil").status_code == 403
    rows = _get(served, "/access-log", "auditor").json()["items"]
    assert [(r["account"], r["subject"]) for r in rows] == [
        ("guardian", f"pupil:{other}"),
        ("pupil", "class:9А 2024/2025"),
    ]
    assert all(r["action"].startswith("refused 403: report ") for r in rows)


def test_reports_come_in_every_format(served: Served) -> None:
    journal = "/reports/journal?class=9А&year=2024/2025&subject=math&period=Q1"
    for fmt, media in (
        ("json", "application/json"),
        ("csv", "text/csv"),
        ("html", "text/html"),
        ("pdf", "application/pdf"),
    ):
        answer = _get(served, f"{journal}&format={fmt}", "maths")
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith(media)
        assert "journal-" in answer.headers["content-disposition"]


def test_a_report_as_of_an_early_tree_size_shows_less(served: Served) -> None:
    journal = "/reports/journal?class=9А&year=2024/2025&subject=math&period=Q1"
    served.office.sealer.seal()
    now = _get(served, journal, "auditor")
    early = _get(served, f"{journal}&tree_size=2", "auditor")
    assert now.status_code == 200, now.text
    assert early.status_code in (200, 422), early.text
    assert early.text != now.text


def test_bad_report_input_is_a_problem(served: Served) -> None:
    assert _get(served, "/reports/nope", "auditor").status_code == 404
    answer = _get(served, "/reports/journal?class=9А&format=docx", "auditor")
    assert answer.status_code == 422
    assert answer.json()["field"] == "query.format"
    teacher = _get(served, "/reports/journal?class=9А&subject=math", "maths")
    assert teacher.status_code == 422
    assert teacher.json()["field"] == "query.year"


def test_the_child_process_sealer_covers_appends_and_seals_on_stop(
    served: Served,
) -> None:
    from api.server.sealing import ProcessSealer
    from tests.support.stores import PASSPHRASE

    office = served.office
    office.stop()  # the test server's own (thread) sealer
    child = ProcessSealer(
        office.sealer,
        office.seal_state,
        store=served.store.url,
        keys=served.store.keys,
        passphrase=PASSPHRASE,
        interval=0.2,
    ).start()
    served.client.post(
        "/lesson-sheets", json=served.sheet(2), headers=served.auth("maths")
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and office.sealer.store.size() < served.events():
        time.sleep(0.1)
    assert office.sealer.store.size() == served.events()
    child.stop()
    office.start()
    latest = office.sealer.latest()
    assert latest is not None
    assert latest.size == served.events()
