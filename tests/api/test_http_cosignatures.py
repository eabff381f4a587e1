"""Co-signature as a workflow, over HTTP, on SQLite and PostgreSQL.

The class teacher of 9А submits attestat entries; they wait, holding nothing in
the log, visible to the director; the director signs (one envelope per event,
the class teacher's signature first, the director's second, accepted by the
verifier) or declines with a reason the submitter reads. Expired, declined,
signed and superseded requests cannot be signed; the submitter cannot co-sign
their own request, nor anyone but the director; every refusal writes nothing.
"""

from __future__ import annotations

import json
import threading
from datetime import date, datetime
from typing import Any
from uuid import UUID

import pytest

from api.commands import Body, Command
from api.server.accounts import Account
from api.server.cosign import (
    CosignError,
    Held,
    NotCosignedError,
    PendingRequest,
    desk_for,
    held,
    needs_cosignature,
)
from api.server.routers.cosignatures import accepted
from ledger.application import Signing
from ledger.domain.attestat import SNAPSHOT_INTERVAL, Blank
from ledger.domain.errors import AuthorityError
from ledger.domain.ids import attestat_book_id
from ledger.domain.school import Level
from ledger.errors import PolicyError
from ledger.policy import packaged_policy_text
from ledger.records.office import SchoolRecords
from ledger.records.policies import set_policy
from tests.support.cosign import (
    ATTESTAT_ISSUE,
    account,
    graduates,
    issue_body,
    rows,
    signatures,
    submit,
)
from tests.support.school import ALL_FIVES, admit, pass_exams
from tests.support.serving import PASSWORD, Served

PROBLEM = "application/problem+json"


def _log_size(served: Served) -> int:
    served.office.sealer.seal()
    return served.office.sealer.store.size()


def _written(served: Served) -> tuple[int, int]:
    return served.events(), rows(served)


def _refused(
    served: Served, path: str, who: str, status: int, body: Any = None
) -> dict[str, Any]:
    before = _written(served)
    answer = served.client.post(path, json=body, headers=served.auth(who))
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert _written(served) == before, f"{path} as {who} wrote"
    problem: dict[str, Any] = answer.json()
    assert problem["field"], problem
    assert problem.get("allowed"), problem
    return problem


def _listed(served: Served, who: str, state: str = "pending") -> list[dict[str, Any]]:
    answer = served.client.get(f"/cosignatures?state={state}", headers=served.auth(who))
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()
    return found


def test_a_submitted_entry_waits_outside_the_log_until_the_director_signs(
    served: Served,
) -> None:
    graduates(served, 0, 1)
    events, log = served.events(), _log_size(served)

    request = submit(served, 0, 1)

    assert request.state == "pending"
    assert [n.role for n in request.needs] == ["director"]
    assert served.events() == events
    assert _log_size(served) == log
    [mine] = _listed(served, "maths")
    assert mine["id"] == str(request.id)
    assert mine["you_may_sign"] is False
    [waiting] = _listed(served, "director")
    assert waiting["you_may_sign"] is True
    assert "Иванов Пётр Сергеевич" in waiting["summary"]
    assert "бланк 0925 0000001" in waiting["summary"]
    for other in ("english", "cover", "deputy", "secretary", "importer"):
        assert _listed(served, other) == [], other
        shown = served.client.get(
            f"/cosignatures/{request.id}", headers=served.auth(other)
        )
        assert shown.status_code == 404, other
    for reader in ("auditor", "pupil", "guardian"):
        answer = served.client.get("/cosignatures", headers=served.auth(reader))
        assert answer.status_code == 403, reader

    path = f"/cosignatures/{request.id}/sign"
    own = _refused(served, path, "maths", 403)
    assert "submitted" in own["detail"]
    wrong = _refused(served, path, "deputy", 403)
    assert wrong["allowed"] == "директор"
    _refused(served, path, "secretary", 403)

    detail = served.client.get(
        f"/cosignatures/{request.id}", headers=served.auth("director")
    ).json()
    preview = detail["preview"]
    assert [e["type"] for e in preview["envelopes"]] == ["attestat.AttestatIssued"] * 2
    assert preview["refused"] is None
    stale = "sha256:" + "0" * 64
    _refused(served, path, "director", 409, {"reviewed": stale})

    signed = served.client.post(
        path, json={"reviewed": preview["digest"]}, headers=served.auth("director")
    )

    assert signed.status_code == 201, signed.text
    answer = signed.json()
    assert answer["state"] == "signed"
    assert len(answer["events"]) == 2
    assert served.events() == events + 2
    keys = served.school.keys
    for name in answer["events"]:
        assert signatures(served, name) == [
            keys["maths"].key_id,
            keys["director"].key_id,
        ]
    assert _log_size(served) == log + 2
    assert _listed(served, "director") == []
    closed = _refused(served, path, "director", 409)
    assert "was signed" in closed["detail"]
    _refused(
        served, f"/cosignatures/{request.id}/decline", "director", 409, {"reason": "x"}
    )
    report = served.client.post("/verify?full=true", headers=served.auth("auditor"))
    assert report.status_code == 200, report.text
    assert report.json()["ok"] is True, report.json()["findings"]


def test_a_declined_request_appends_nothing_and_tells_the_submitter_why(
    served: Served,
) -> None:
    graduates(served, 0)
    request = submit(served, 0)
    decline = f"/cosignatures/{request.id}/decline"
    events = served.events()

    no_reason = served.client.post(decline, json={}, headers=served.auth("director"))
    assert no_reason.status_code == 422
    assert no_reason.json()["field"] == "body.reason"
    _refused(served, decline, "maths", 403, {"reason": "передумал"})
    _refused(served, decline, "deputy", 403, {"reason": "не моё"})
    declined = served.client.post(
        decline,
        json={"reason": "номер бланка не совпадает с бланком в сейфе"},
        headers=served.auth("director"),
    )

    assert declined.status_code == 200, declined.text
    assert served.events() == events
    assert _listed(served, "director") == []
    assert _listed(served, "maths") == []
    [seen] = _listed(served, "maths", "all")
    assert seen["state"] == "declined"
    assert seen["decided_by"] == "director"
    assert seen["reason"] == "номер бланка не совпадает с бланком в сейфе"
    problem = _refused(served, f"/cosignatures/{request.id}/sign", "director", 409)
    assert "declined" in problem["detail"]
    assert "номер бланка" in problem["detail"]


def test_an_expired_request_cannot_be_signed(served: Served) -> None:
    graduates(served, 0)
    request = submit(served, 0)
    served.school.clock.advance(days=8)

    problem = _refused(served, f"/cosignatures/{request.id}/sign", "director", 409)

    assert "expired" in problem["detail"]
    assert _listed(served, "director") == []
    [seen] = _listed(served, "director", "all")
    assert seen["state"] == "expired"
    desk = desk_for(served.office)
    [written] = desk.expire()
    assert written.state == "expired"
    assert desk.expire() == []


def test_a_request_the_rules_now_refuse_stays_pending(served: Served) -> None:
    s = graduates(served, 0)
    request = submit(served, 0)
    served.school.records.attestats.spoil_blank(
        level=Level.BASIC,
        blank=Blank("0925", "0000001"),
        reason="испорчен при заполнении",
        signed_by=served.school.signing("director"),
    )

    detail = served.client.get(
        f"/cosignatures/{request.id}", headers=served.auth("director")
    ).json()
    assert "0925 0000001" in detail["preview"]["refused"]
    problem = _refused(served, f"/cosignatures/{request.id}/sign", "director", 422)

    assert "stays pending" in problem["detail"]
    assert s.show(request.id, account(served, "director")).state == "pending"


def test_a_new_submission_supersedes_the_earlier_one(served: Served) -> None:
    graduates(served, 0)
    first = submit(served, 0)
    second = submit(served, 0, first_blank=5)

    problem = _refused(served, f"/cosignatures/{first.id}/sign", "director", 409)

    assert "superseded" in problem["detail"]
    [waiting] = _listed(served, "director")
    assert waiting["id"] == str(second.id)
    signed = served.client.post(
        f"/cosignatures/{second.id}/sign", headers=served.auth("director")
    )
    assert signed.status_code == 201, signed.text


def test_a_retried_submission_is_the_same_request(served: Served) -> None:
    desk = graduates(served, 0)
    maths = account(served, "maths")
    body = issue_body(served, 0)

    first = desk.submit(ATTESTAT_ISSUE, body, maths, idempotency_key="k-1")
    again = desk.submit(ATTESTAT_ISSUE, body, maths, idempotency_key="k-1")

    assert again.id == first.id
    assert rows(served) == 1
    other = issue_body(served, 0, first_blank=3)
    with pytest.raises(CosignError, match="another request body") as refused:
        desk.submit(ATTESTAT_ISSUE, other, maths, idempotency_key="k-1")
    assert refused.value.field == "header.Idempotency-Key"
    assert rows(served) == 1


class SpoilBlank(Body):
    """A blank written off."""

    series: str
    number: str
    reason: str


def _spoil(records: SchoolRecords, body: SpoilBlank, signing: Signing) -> None:
    records.attestats.spoil_blank(
        level=Level.BASIC,
        blank=Blank(body.series, body.number),
        reason=body.reason,
        signed_by=signing,
    )


SPOIL = Command(
    name="attestats.spoil_blank",
    resource="attestats",
    path="/attestats/spoiled-blanks",
    body=SpoilBlank,
    roles=("director", "secretary"),
    run=_spoil,
    summary_ru="Списание испорченного бланка",
    summary_en="Write off a spoiled blank",
)


def test_only_what_the_policy_marks_is_held_and_only_from_its_author(
    served: Served,
) -> None:
    desk = graduates(served, 0)
    director = account(served, "director")
    spoil = SpoilBlank(series="0925", number="0000009", reason="испорчен")
    events = served.events()

    assert desk.needs_cosignature(
        ATTESTAT_ISSUE, issue_body(served, 0), account(served, "maths")
    ) == ("director",)
    assert desk.needs_cosignature(SPOIL, spoil, director) == ()
    with pytest.raises(NotCosignedError):
        desk.submit(SPOIL, spoil, director)
    with pytest.raises(AuthorityError, match="class teacher"):
        desk.submit(ATTESTAT_ISSUE, issue_body(served, 0), director)
    assert desk.needs_cosignature(SPOIL, spoil, account(served, "secretary")) == ()

    assert served.events() == events
    assert rows(served) == 0


class FinalGradesIn(Body):
    """A graduating pupil's final grades."""

    pupil: UUID
    grades: dict[str, str]


def _final_grades(
    records: SchoolRecords, body: FinalGradesIn, signing: Signing
) -> None:
    records.attestation.record_final_grades(
        pupil=body.pupil, level=Level.BASIC, grades=body.grades, signed_by=signing
    )


FINAL_GRADES = Command(
    name="final-grades.record",
    resource="final-grades",
    path="/final-grades",
    body=FinalGradesIn,
    roles=("class_teacher", "deputy_director", "director"),
    run=_final_grades,
    summary_ru="Итоговые отметки выпускника",
    summary_en="A graduate's final grades",
)


def test_where_the_record_names_the_co_signer_only_that_person_signs(
    served: Served,
) -> None:
    s = served.school
    text = packaged_policy_text("signing").replace(
        "[cosign]\n", '[cosign]\n"attestation.FinalGradeRecorded" = ["class_teacher"]\n'
    )
    set_policy(served.office.app, s.keys["director"], "signing", text)
    served.store.key_directory.add_signer("russian", s.keys["russian"])
    russian = Account(
        "russian", ("teacher", "class_teacher"), s.staff("russian"), (), "russian"
    )
    served.office.accounts.add(russian, PASSWORD)
    admit(s, s.pupils[0])
    pass_exams(s, s.pupils[0])
    s.clock.set(date(2025, 6, 18))
    desk = desk_for(served.office)
    body = FinalGradesIn(pupil=s.pupils[0], grades=ALL_FIVES)

    request = desk.submit(FINAL_GRADES, body, account(served, "deputy"))

    [need] = request.needs
    assert (need.role, need.staff, need.who) == (
        "class_teacher",
        s.staff("maths"),
        "классный руководитель 9А",
    )
    events, written = served.events(), rows(served)
    with pytest.raises(CosignError, match="классный руководитель 9А") as wrong:
        desk.sign(request.id, russian)
    assert wrong.value.allowed == "классный руководитель 9А"
    assert (served.events(), rows(served)) == (events, written)
    signed = served.client.post(
        f"/cosignatures/{request.id}/sign", headers=served.auth("maths")
    )
    assert signed.status_code == 201, signed.text
    for name in signed.json()["events"]:
        assert signatures(served, name) == [
            s.keys["deputy"].key_id,
            s.keys["maths"].key_id,
        ]


def test_two_directors_signing_at_once_append_once(served: Served) -> None:
    desk = graduates(served, 0)
    request = submit(served, 0)
    director = account(served, "director")
    events = served.events()
    outcomes: list[str] = []

    def sign() -> None:
        try:
            desk.sign(request.id, director)
        except CosignError as e:
            outcomes.append(type(e).__name__)
        else:
            outcomes.append("signed")

    threads = [threading.Thread(target=sign) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == ["RequestClosedError", "signed"]
    assert served.events() == events + 1
    assert desk.show(request.id, director).state == "signed"


def test_a_signature_whose_row_was_lost_is_repaired_from_the_append(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = graduates(served, 0)
    request = submit(served, 0)
    director = account(served, "director")
    write = desk.requests.append

    def crash_on_signed(r: PendingRequest, now: datetime) -> None:
        if r.state == "signed":
            msg = "the server died after the append"
            raise RuntimeError(msg)
        write(r, now)

    monkeypatch.setattr(desk.requests, "append", crash_on_signed)
    with pytest.raises(RuntimeError):
        desk.sign(request.id, director)
    monkeypatch.setattr(desk.requests, "append", write)
    events = served.events()

    seen = desk.show(request.id, account(served, "maths"))

    assert seen.state == "signed"
    assert len(seen.events) == 1
    assert served.events() == events
    with pytest.raises(CosignError, match="was signed"):
        desk.sign(request.id, director)


def test_reading_a_request_is_in_the_access_log(served: Served) -> None:
    graduates(served, 0)
    request = submit(served, 0)

    served.client.get(f"/cosignatures/{request.id}", headers=served.auth("director"))

    log = served.client.get("/access-log", headers=served.auth("auditor")).json()
    [read] = [e for e in log["items"] if e["action"] == f"cosignature {request.id}"]
    assert read["account"] == "director"
    assert read["subject"] == f"pupil:{served.school.pupils[0]}"


def test_a_held_record_is_answered_202_with_where_to_look(served: Served) -> None:
    graduates(served, 0)
    maths = account(served, "maths")
    body = issue_body(served, 0)
    signing = served.office.custodial(maths)
    events = served.events()
    with pytest.raises(PolicyError, match="co-signature by the director") as refused:
        served.office.run(lambda records: ATTESTAT_ISSUE.run(records, body, signing))

    outcome = held(served.office, ATTESTAT_ISSUE, body, maths, refused.value)

    assert isinstance(outcome, Held)
    answer = accepted(outcome.request)
    assert answer.status_code == 202
    shown = json.loads(bytes(answer.body))
    assert answer.headers["location"] == f"/cosignatures/{shown['cosignature']}"
    assert shown["state"] == "pending"
    assert shown["waiting_for"] == [
        {"role": "director", "staff": None, "who": "директор"}
    ]
    assert served.events() == events
    assert needs_cosignature(served.office, ATTESTAT_ISSUE, body, maths) == (
        "director",
    )
    read = served.client.get(shown["location"], headers=served.auth("director"))
    assert read.status_code == 200


def test_a_policy_refusal_co_signing_cannot_cure_stays_a_refusal(
    served: Served,
) -> None:
    graduates(served, 0)
    maths = account(served, "maths")
    spoil = SpoilBlank(series="0925", number="0000009", reason="испорчен")
    signing = served.office.custodial(maths)
    with pytest.raises(PolicyError, match="may not sign") as refused:
        served.office.run(lambda records: SPOIL.run(records, spoil, signing))

    outcome = held(served.office, SPOIL, spoil, maths, refused.value)

    assert outcome is refused.value
    assert rows(served) == 0


def test_a_dry_run_across_a_snapshot_of_the_book_writes_nothing(
    served: Served,
) -> None:
    """The book's service snapshots it every 50 versions, after its save; a
    dry run that only pretends to save must not take (or fail on) one."""
    desk = graduates(served, 0)
    s = served.school
    for i in range(SNAPSHOT_INTERVAL - 1):
        s.records.attestats.spoil_blank(
            level=Level.BASIC,
            blank=Blank("0925", f"{100 + i:07d}"),
            reason="испорчен при заполнении",
            signed_by=s.signing("director"),
        )
    snapshots = _snapshots(served)

    request = submit(served, 0)
    previews = [desk.preview(request) for _ in range(2)]

    assert [p.refused for p in previews] == [None, None]
    assert _snapshots(served) == snapshots
    signed = desk.sign(request.id, account(served, "director"))
    assert signed.state == "signed"


def _snapshots(served: Served) -> int:
    stream = attestat_book_id(served.school.school, "basic")
    snapshots = served.office.app.snapshots
    assert snapshots is not None
    return len(snapshots.recorder.select_events(stream))
