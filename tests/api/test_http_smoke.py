"""First light: sign in, append a lesson sheet, read it back."""

from __future__ import annotations

from tests.support.serving import Served


def test_a_teacher_appends_a_lesson_sheet(served: Served) -> None:
    before = served.events()
    answer = served.client.post(
        "/lesson-sheets", json=served.sheet(2), headers=served.auth("maths")
    )
    assert answer.status_code == 201, answer.text
    assert len(answer.json()["events"]) == 3
    assert served.events() == before + 3
