"""The one school builder (``simulation.builder``) on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest

from ledger.application import Signing
from ledger.domain.classes import SchoolClass
from ledger.domain.errors import UnknownRecordError
from ledger.keys.personal import DataKeyStore
from ledger.records.people import Identity
from simulation.builder import SchoolBuilder, build_school, derived_key
from tests.support import rawsql
from tests.support.school import STAFF, YEAR, SimClock, plan
from tests.support.stores import PASSPHRASE, Store

PUPIL = Identity("Лебедева", "Ольга", "Андреевна", date(2010, 2, 3))


def built(store: Store, code: str = "builder-1") -> SchoolBuilder:
    return build_school(
        store.open(),
        plan(code),
        seal=store.key_directory.log_key(),
        clock=SimClock(datetime(2024, 8, 20, 9, tzinfo=UTC)),
        data_keys=DataKeyStore.in_key_directory(store.keys, PASSPHRASE),
    )


def test_build_school_registers_the_plan_in_order(store: Store) -> None:
    builder = built(store)
    topics = [
        n.topic for n in builder.app.recorder.select_notifications(start=1, limit=1_000)
    ]
    # after what `init` records (the log key and the first signing and retention
    # policies): the school first (signed by the seal), then the staff's keys,
    # so that the director may sign the rest
    assert topics[:3] == [
        "trust.SignerKeyRegistered",
        "trust.PolicyAdopted",
        "trust.PolicyAdopted",
    ]
    assert topics[3:5] == ["school.SchoolRegistered", "trust.SignerKeyRegistered"]
    assert topics[-4:] == [
        "school.AcademicYearOpened",
        "school.ClassOpened",
        "school.ClassOpened",
        "school.ClassOpened",
    ]
    assert Counter(topics) == {
        "trust.SignerKeyRegistered": 1 + len(STAFF),
        "trust.PolicyAdopted": 2,
        "school.SchoolRegistered": 1,
        "people.StaffMemberRegistered": len(STAFF),
        "school.SubjectDefined": 4,
        "school.GradingPolicySet": 1,
        "school.AcademicYearOpened": 1,
        "school.ClassOpened": 3,
    }
    klass = builder.records.context.view(SchoolClass, builder.class_id(YEAR, "9А"))
    assert klass is not None
    assert klass.class_teacher == builder.staff_id("maths")


def test_enrolling_in_a_class_not_opened_writes_nothing(store: Store) -> None:
    builder = built(store)
    secretary = Signing(plan("builder-1").member("secretary").key)
    before = rawsql.rows(store.url, store.admin_url)
    with pytest.raises(UnknownRecordError, match="is not opened in this school"):
        builder.enrol(
            builder.class_id(YEAR, "5В"),
            [PUPIL],
            on=date(2024, 9, 2),
            order="№ 1-у",
            signed_by=secretary,
        )
    assert rawsql.rows(store.url, store.admin_url) == before


def test_derived_keys_are_the_same_for_the_same_seed() -> None:
    assert derived_key("a/b").public_bytes == derived_key("a/b").public_bytes
    assert derived_key("a/b").public_bytes != derived_key("a/c").public_bytes
