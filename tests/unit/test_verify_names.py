"""The verifier's Russian names of event types (``verify/names.py``) are a
deliberate twin of the writer's event types: every type the domain, the key
registry and the policy log define has one, so findings never go unnamed."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import ledger.domain
from verify.names import RUSSIAN, describe_entry

TRUST_MODULES = ("ledger.keys.registry", "ledger.policy_log")


def writer_event_types() -> set[str]:
    names = [
        f"ledger.domain.{m.name}" for m in pkgutil.iter_modules(ledger.domain.__path__)
    ]
    found: set[str] = set()
    for name in (*names, *TRUST_MODULES):
        module = importlib.import_module(name)
        for _, aggregate in inspect.getmembers(module, inspect.isclass):
            for _, event in inspect.getmembers(aggregate, inspect.isclass):
                topic = getattr(event, "TOPIC", None)
                if isinstance(topic, str) and "." in topic:
                    found.add(topic)
    return found


def test_every_event_type_of_the_writer_has_a_russian_name() -> None:
    types = writer_event_types()
    assert "journal.MarkRecorded" in types
    assert "trust.SignerKeyRegistered" in types
    assert types - RUSSIAN.keys() == set()
    assert RUSSIAN.keys() - types == set()  # no name for a type that is gone


def test_an_entry_is_described_from_its_clear_text() -> None:
    entry = (
        b'{"at":"2024-10-02T09:00:00Z","data":{"mark":"4","pupil":"p"},'
        b'"seq":3,"stream":"s","type":"journal.MarkRecorded"}'
    )
    openings = {
        "s": {"class_id": "c", "subject": "math", "day": "2024-10-02"},
        "c": {"name": "9А"},
        "p": {"personal_file": "К-25"},
    }
    about = describe_entry(entry, openings.get)
    assert about is not None
    assert about.line() == (
        "отметка в журнале от 02.10.2024, класс 9А, math, личное дело № К-25, "
        "значение «4»"
    )
    assert describe_entry(b"not json") is None
