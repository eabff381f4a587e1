"""A checkpoint from outside the log, checked on the console, on SQLite and
PostgreSQL: a genuine one (also an older one the log has grown past, and the
text of a report's QR code), one with a forged signature, one signed by the
log key but for another history, one beyond the log, one of another log; and
text that is no checkpoint at all. Nothing is ever written."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

from api.server.office import Office
from api.witness.app import make_app
from api.witness.witness import Witness
from ledger.log import StoredCheckpoint
from ledger.log.witnesses import WitnessSender
from ledger.records.journal import LessonInput, MarkInput
from tests.support.school import WORK
from tests.support.stores import PASSPHRASE
from tests.support.web import Web, csrf_of, sign_in
from verify.note import checkpoint_body, signed_note, verifier_key

GENUINE = "Контрольная точка подлинная"
REFUTED = "Контрольная точка НЕ подтверждена"


@dataclass(frozen=True)
class Written:
    """What a check could have written: events, checkpoints, access rows, runs."""

    events: int
    checkpoints: int
    reads: int
    runs: int


def written(office: Office) -> Written:
    return Written(
        int(office.app.recorder.max_notification_id() or 0),
        len(office.sealer.store.checkpoints()),
        office.access.count(),
        len(office.verify_runs.latest()),
    )


def latest(web: Web) -> StoredCheckpoint:
    office: Office = web.app.state.office
    found = office.sealer.store.latest_checkpoint()
    assert found is not None
    return found


def check(client: TestClient, text: str) -> tuple[int, str]:
    csrf = csrf_of(client.get("/app/audit/checkpoint").text)
    answer = client.post("/app/audit/checkpoint", data={"csrf": csrf, "text": text})
    return answer.status_code, answer.text


def signed_by_the_log(web: Web, size: int, root: bytes, origin: str = "") -> str:
    """A checkpoint note signed with the school's real log key."""
    key = web.store.key_directory.log_key()
    name = origin or latest(web).note.split("\n")[0]
    body = checkpoint_body(name, size, root)
    return signed_note(body, name, key.public_bytes, key.sign)


def test_the_latest_checkpoint_is_genuine(web: Web) -> None:
    sign_in(web.client, "auditor")
    office: Office = web.app.state.office
    before = written(office)
    status, page = check(web.client, latest(web).note.replace("\n", "\r\n"))
    assert status == 200
    assert GENUINE in page
    assert "✓ совпало</span> Подписана ключом этого журнала" in page
    assert "✓ совпало</span> Журнал хранит ту же контрольную точку." in page
    assert "✗" not in page
    assert written(office) == before


def test_an_older_checkpoint_is_consistent_with_the_grown_log(web: Web) -> None:
    office: Office = web.app.state.office
    old = latest(web)
    s = web.school
    s.records.journal.record_lessons(
        [
            LessonInput(
                s.klass("9А"),
                "math",
                date(2024, 9, 30),
                "Системы уравнений",
                marks=(MarkInput(s.pupils[0], "5", WORK),),
            )
        ],
        signed_by=s.signing("maths"),
    )
    new = office.sealer.seal()
    assert new.size > old.size
    sign_in(web.client, "auditor")
    status, page = check(web.client, old.note)
    assert status == 200
    assert GENUINE in page
    assert (
        f"Текущий журнал её продолжает: доказательство согласованности от "
        f"{old.size} до {new.size} записей проверено" in page
    )


def test_a_forged_signature_is_refuted(web: Web) -> None:
    note = latest(web).note
    body, _, line = note.rstrip("\n").rpartition("\n")
    head, _, encoded = line.rpartition(" ")
    raw = bytearray(base64.b64decode(encoded))
    raw[-1] ^= 0x01  # one bit of the signature itself
    forged = f"{body}\n{head} {base64.b64encode(bytes(raw)).decode()}\n"
    sign_in(web.client, "auditor")
    office: Office = web.app.state.office
    before = written(office)
    status, page = check(web.client, forged)
    assert status == 200
    assert REFUTED in page
    assert "✗ не совпало</span> Подпись ключом этого журнала не сходится" in page
    assert "does not verify" in page  # the verifier's own words, as detail
    assert written(office) == before


def test_a_checkpoint_of_another_history_is_refuted(web: Web) -> None:
    genuine = latest(web)
    other_root = hashlib.sha256(b"another history").digest()
    sign_in(web.client, "auditor")
    office: Office = web.app.state.office
    before = written(office)
    # signed by the log key, for an earlier size, with a root the log never had
    status, page = check(
        web.client, signed_by_the_log(web, genuine.size - 2, other_root)
    )
    assert status == 200
    assert REFUTED in page
    assert "✓ совпало</span> Подписана ключом этого журнала" in page
    assert f"Текущий журнал её НЕ продолжает: первые {genuine.size - 2} записей" in page
    # and for the latest size: two signed histories of one size
    status, page = check(web.client, signed_by_the_log(web, genuine.size, other_root))
    assert REFUTED in page
    assert f"Журнал подписал для размера {genuine.size} другой корень" in page
    assert "подписаны две разные истории (развилка)" in page
    assert written(office) == before


def test_a_checkpoint_beyond_the_log_is_refuted(web: Web) -> None:
    genuine = latest(web)
    note = signed_by_the_log(web, genuine.size + 100, genuine.root)
    sign_in(web.client, "auditor")
    status, page = check(web.client, note)
    assert status == 200
    assert REFUTED in page
    assert (
        f"покрывает {genuine.size + 100} записей, а журнал подписал только "
        f"{genuine.size}: записи удалены из журнала" in page
    )


def test_a_checkpoint_of_another_log_is_refuted(web: Web) -> None:
    genuine = latest(web)
    note = signed_by_the_log(
        web, genuine.size, genuine.root, origin="letopis.test/school-2"
    )
    sign_in(web.client, "auditor")
    status, page = check(web.client, note)
    assert status == 200
    assert REFUTED in page
    assert "Это контрольная точка другого журнала: «letopis.test/school-2»" in page


def test_a_report_s_qr_text_and_printed_line_are_checked(web: Web) -> None:
    genuine = latest(web)
    origin = genuine.note.split("\n")[0]
    root = base64.b64encode(genuine.root).decode()
    digest = "sha256:" + "ab" * 32
    qr = f"letopis-report\n{origin}\n{genuine.size}\n{root}\n{digest}"
    sign_in(web.client, "auditor")
    status, page = check(web.client, qr)
    assert status == 200
    assert GENUINE in page
    assert "текст QR-кода отчёта" in page
    assert f"Журнал подписал контрольную точку размера {genuine.size}" in page
    assert digest in page
    printed = f"Контрольная точка: {origin}, размер {genuine.size}, корень {root}"
    status, page = check(web.client, printed)
    assert GENUINE in page
    wrong = base64.b64encode(hashlib.sha256(b"x").digest()).decode()
    status, page = check(web.client, qr.replace(root, wrong))
    assert REFUTED in page
    assert "Журнал подписал для размера" in page


def test_text_that_is_no_checkpoint_is_said_so_and_kept(web: Web) -> None:
    sign_in(web.client, "auditor")
    office: Office = web.app.state.office
    before = written(office)
    for garbage in (
        "<script>alert(1)</script>",
        "letopis.test/school-1\n12\nnot base64!\n\n— x abc\n",
        "letopis-report\nonly three\nlines",
        "letopis-report\nletopis.test/school-1\n" + "9" * 30 + "\nAAAA\nsha256:00",
    ):
        status, page = check(web.client, garbage)
        assert status == 422, garbage
        assert "Это не контрольная точка" in page
        assert 'aria-invalid="true"' in page
        assert "<script>alert(1)</script>" not in page
    status, page = check(web.client, "<script>alert(1)</script>")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # kept, escaped
    status, page = check(web.client, "   ")
    assert status == 422
    assert "Вставьте текст контрольной точки" in page
    assert written(office) == before
    assert PASSPHRASE not in page


def test_a_witness_s_cosignature_shows_on_the_state_and_in_the_check(
    web: Web, tmp_path: Path
) -> None:
    office: Office = web.app.state.office
    keys = web.store.key_directory
    witness = Witness.create(tmp_path / "uo", "uo.test/witness")
    witness.add_log(keys.origin, verifier_key(keys.origin, keys.log_public_key))
    config = {"witnesses": [{"url": "http://uo.test/", "vkey": witness.vkey}]}
    (web.store.keys / "witnesses.json").write_text(json.dumps(config))
    at_witness = TestClient(make_app(witness))

    def post(url: str, body: bytes) -> tuple[int, str]:
        answer = at_witness.post("/add-checkpoint", content=body)
        return answer.status_code, answer.text

    genuine = latest(web)
    sender = WitnessSender(web.store.keys, post=post)
    assert sender.send(genuine.note, office.sealer.tree.consistency_proof) == {
        "uo.test/witness": "cosigned"
    }
    sign_in(web.client, "auditor")
    state = web.client.get("/app/audit").text
    assert "uo.test/witness" in state
    assert f'<td class="num">{genuine.size}</td>' in state
    cosigned = sender.cosigned()[genuine.size]
    status, page = check(web.client, cosigned)
    assert status == 200
    assert GENUINE in page
    assert "✓ совпало</span> Заверена свидетелем uo.test/witness." in page
