"""A tiny test vocabulary (``test.*`` events) to drive the ledger in tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.events import register_event_types

TEST_POLICY = Path(__file__).parent.parent / "data" / "policy.toml"


@register_event_types
class Note(Aggregate):
    """A note about a pupil; certifying it needs a director's co-signature."""

    class Written(Aggregate.Created):
        TOPIC: ClassVar[str] = "test.NoteWritten"
        pupil: UUID
        text: str
        enc: dict[str, str] | None

    class Certified(Aggregate.Event):
        TOPIC: ClassVar[str] = "test.NoteCertified"
        remark: str

        def apply(self, aggregate: Any) -> None:
            aggregate.certified = True

    def __init__(self, pupil: UUID, text: str, enc: dict[str, str] | None) -> None:
        self.pupil = pupil
        self.text = text
        self.enc = enc
        self.certified = False

    @classmethod
    def write(cls, pupil: UUID, text: str, enc: dict[str, str] | None = None) -> Note:
        return cls._create(cls.Written, pupil=pupil, text=text, enc=enc)

    def certify(self, remark: str) -> None:
        self.trigger_event(self.Certified, remark=remark)
