"""The table of record commands: one name, one path, one resource each; every
body refuses unknown fields and describes every field in two languages."""

from __future__ import annotations

from collections import Counter

from api.commands import Body
from api.commands.catalog import all_commands, all_tags, command
from api.server.accounts import STAFF_ROLES


def test_names_and_paths_are_unique() -> None:
    commands = all_commands()
    for key in ("name", "path"):
        counted = Counter(getattr(c, key) for c in commands)
        assert [k for k, n in counted.items() if n > 1] == [], key


def test_each_name_is_its_resource_and_a_verb() -> None:
    for c in all_commands():
        resource, _, verb = c.name.partition(".")
        assert resource == c.resource
        assert verb
        assert c.path.startswith("/")


def test_every_resource_is_described_in_russian_and_english() -> None:
    tags = all_tags()
    for c in all_commands():
        ru, en = tags[c.resource]
        assert any("а" <= ch <= "я" for ch in ru.lower())
        assert en
        assert en != ru


def test_roles_are_account_roles_of_staff() -> None:
    for c in all_commands():
        assert c.roles
        assert set(c.roles) <= set(STAFF_ROLES), c.name


def _models(model: type[Body]) -> list[type[Body]]:
    found = [model]
    for f in model.model_fields.values():
        for arg in getattr(f.annotation, "__args__", (f.annotation,)):
            inner = getattr(arg, "__args__", (arg,))
            for t in (arg, *inner):
                if isinstance(t, type) and issubclass(t, Body) and t not in found:
                    found.extend(_models(t))
    return found


def test_every_body_forbids_unknown_fields_and_describes_its_fields() -> None:
    assert len(_models(command("pupils.leave").body)) == 2  # type: ignore[union-attr]
    for c in all_commands():
        for model in _models(c.body):
            assert model.model_config.get("extra") == "forbid", model
            for name, f in model.model_fields.items():
                assert " / " in (f.description or ""), (model, name)


def test_a_command_is_found_by_name() -> None:
    assert command("pupils.enrol") is not None
    assert command("pupils.adopt") is None
