from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.core.exceptions import PermissionDenied

from tkpk.accounts.models import User
from tkpk.core.models import AuditEvent
from tkpk.targeting.persons import mask_frame, mask_identifier, mask_name, persons_read
from tkpk.targeting.tests.factories import SmallTargets, release_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def small(reference: None, settings: Any, tmp_path: Path) -> SmallTargets:
    settings.MEDIA_ROOT = tmp_path / "media"
    return release_make(tmp_path, persons=300, beneficiaries=10)


def test_identifiers_keep_the_region_and_last_digits_and_names_their_initials() -> None:
    assert mask_identifier("3171014506890012") == "317101••••••0012"
    assert mask_name("SITI  AMINAH") is not None and "AMINAH" not in str(mask_name("SITI AMINAH"))
    frame = mask_frame(
        pl.DataFrame(
            {"nik": ["3171014506890012"], "name": ["SITI AMINAH"], "address": ["JL. MAWAR 1"]}
        )
    )
    assert frame.row(0) == ("317101••••••0012", "S••• A•••••", "•••")


def test_a_verifier_reads_only_its_kelurahan_and_may_see_names_but_never_nik(
    small: SmallTargets, kelurahan_verifier: User
) -> None:
    persons = persons_read(
        user=kelurahan_verifier, release=small.release, purpose="test", reveal=["name"]
    )
    assert set(persons["kelurahan_code"]) <= {"31.73.04.1002"}
    full = pl.read_parquet(small.release.persons_path)
    assert set(persons["name"]) <= set(full["name"])
    assert not set(persons["nik"]) & set(full["nik"])
    with pytest.raises(PermissionDenied):
        persons_read(user=kelurahan_verifier, release=small.release, purpose="t", reveal=["nik"])


def test_an_opd_operator_and_an_outsider_cannot_read_households(
    small: SmallTargets, opd_operator: User, outsider: User
) -> None:
    for user in (opd_operator, outsider):
        with pytest.raises(PermissionDenied):
            persons_read(user=user, release=small.release, purpose="test")


def test_every_read_writes_one_audit_row_without_values(
    small: SmallTargets, secretariat: User
) -> None:
    before = AuditEvent.objects.count()
    persons = persons_read(
        user=secretariat, release=small.release, purpose="check", reveal=["nik"], limit=5
    )
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.order_by("-pk").first()
    assert event is not None and event.detail["rows"] == 5 and event.purpose == "check"
    assert not any(nik in str(event.detail) for nik in persons["nik"])


def test_households_stay_apart_when_their_masked_kks_look_alike(
    small: SmallTargets, secretariat: User
) -> None:
    persons = persons_read(user=secretariat, release=small.release, purpose="check")
    full = pl.read_parquet(small.release.persons_path).select("row", "kk")
    joined = persons.select("row", "household_no").join(full, on="row")
    # One number per real KK and one KK per number, although masked KKs repeat.
    assert joined.group_by("household_no").agg(pl.col("kk").n_unique())["kk"].max() == 1
    assert joined["household_no"].n_unique() == joined["kk"].n_unique()
    assert persons["kk"].n_unique() < joined["kk"].n_unique()
