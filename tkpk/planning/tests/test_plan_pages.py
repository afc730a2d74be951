from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from tkpk.accounts.models import User
from tkpk.accounts.services import membership_grant, user_create
from tkpk.core.roles import Role
from tkpk.planning.demo import demo_plans_load
from tkpk.planning.models import MatrixRow, Plan, PlanKind, Stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def rat(reference: None) -> Plan:
    demo_plans_load()
    return Plan.objects.get(kind=PlanKind.RAT, year_start=2027)


@pytest.fixture
def as_penyusun(reference: None) -> Client:
    user = user_create(username="dewi", full_name="Dewi Lestari")
    membership_grant(user=user, role=Role.TIM_PENYUSUN)
    client = Client()
    client.force_login(user)
    return client


def _row_post(row: MatrixRow, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "level": row.level,
        "code": row.code,
        "name": row.name,
        "opd": row.opd_id,
        "parent": row.parent_id or "",
        "rpkd_programme": row.rpkd_programme_id or "",
        "indicator": row.indicator,
        "unit": row.unit,
        "direction": row.direction,
        "baseline": row.baseline or "",
        "target": row.target or "",
        "target_q1": row.target_q1 or "",
        "target_q2": row.target_q2 or "",
        "target_q3": row.target_q3 or "",
        "target_q4": row.target_q4 or "",
        "budget": row.budget,
        "source_of_funds": row.source_of_funds,
        "target_group": row.target_group,
        "deviation_note": row.deviation_note,
        "lock_version": row.lock_version,
        "location_codes": ", ".join(r.pk for r in row.locations.all()),
    }
    data.update(changes)
    return data


def test_every_member_reads_the_plans_and_the_outsider_is_refused(
    rat: Plan, as_opd: Client, as_outsider: Client
) -> None:
    assert as_opd.get(reverse("planning:plans")).status_code == 200
    page = as_opd.get(reverse("planning:plan", args=[rat.pk]))
    assert page.status_code == 200 and "P1.1.1" in page.content.decode()
    assert as_outsider.get(reverse("planning:plans")).status_code == 403
    assert as_outsider.get(reverse("planning:plan", args=[rat.pk])).status_code == 403


def test_an_opd_edits_its_row_on_the_page_but_not_another_opds(rat: Plan, as_opd: Client) -> None:
    own = rat.matrix.get(code="P1.1.1")
    response = as_opd.post(
        reverse("planning:row_edit", args=[rat.pk, own.pk]),
        _row_post(own, target="1250", target_q4="1250"),
    )
    assert response.status_code == 302
    assert rat.matrix.get(code="P1.1.1").target == Decimal("1250")
    other = rat.matrix.get(code="P2.1.1")
    assert as_opd.get(reverse("planning:row_edit", args=[rat.pk, other.pk])).status_code == 403
    assert (
        as_opd.post(
            reverse("planning:row_edit", args=[rat.pk, other.pk]), _row_post(other, target="1")
        ).status_code
        == 403
    )
    assert rat.matrix.get(code="P2.1.1").target == Decimal("1200")
    page = as_opd.get(reverse("planning:plan", args=[rat.pk])).content.decode()
    assert 'data-testid="row-edit-P1.1.1"' in page and 'data-testid="row-edit-P2.1.1"' not in page


def test_the_second_of_two_concurrent_saves_is_refused_and_keeps_what_was_typed(
    rat: Plan, as_opd: Client, as_penyusun: Client
) -> None:
    row = rat.matrix.get(code="P1.1.1")
    url = reverse("planning:row_edit", args=[rat.pk, row.pk])
    first = as_penyusun.post(url, _row_post(row, name="Versi Dewi"))
    assert first.status_code == 302
    second = as_opd.post(url, _row_post(row, name="Versi Budi"))
    assert second.status_code == 200
    body = second.content.decode()
    assert "Dewi Lestari" in body and 'value="Versi Budi"' in body
    assert rat.matrix.get(code="P1.1.1").name == "Versi Dewi"


def test_a_chapter_is_saved_without_anything_executable(
    rat: Plan, as_penyusun: Client, as_opd: Client
) -> None:
    section = rat.sections.get(key="pendahuluan")
    url = reverse("planning:section_edit", args=[rat.pk, "pendahuluan"])
    assert as_opd.get(url).status_code == 403
    as_penyusun.post(
        url,
        {
            "body": '<p onclick="x()">Latar <script>alert(1)</script>belakang</p>'
            "<table><tr><td>1</td></tr></table>",
            "lock_version": section.lock_version,
        },
    )
    section.refresh_from_db()
    assert "script" not in section.body and "onclick" not in section.body
    assert "<table>" in section.body and "Latar" in section.body


def test_stages_enactment_and_comparison_through_the_pages(
    rat: Plan, as_penyusun: Client, as_secretariat: Client, as_opd: Client
) -> None:
    assert as_opd.post(reverse("planning:stage_finish", args=[rat.pk])).status_code == 403
    rat.refresh_from_db()
    assert rat.stage == Stage.AWAL  # an OPD cannot finish a stage
    as_penyusun.post(reverse("planning:stage_finish", args=[rat.pk]))
    row = rat.matrix.get(code="P1.1.1")
    as_penyusun.post(
        reverse("planning:row_edit", args=[rat.pk, row.pk]),
        _row_post(row, target="1500", target_q4="1500"),
    )
    diff = as_opd.get(reverse("planning:compare", args=[rat.pk]), {"a": 1}).context["diff"]
    assert [r["code"] for r in diff.rows_changed] == ["P1.1.1"]
    as_penyusun.post(reverse("planning:stage_finish", args=[rat.pk]))
    assert (
        as_opd.post(
            reverse("planning:enact", args=[rat.pk]),
            {"decree_number": "x", "decree_date": "2026-07-03"},
        ).status_code
        == 403
    )
    as_secretariat.post(
        reverse("planning:enact", args=[rat.pk]),
        {"decree_number": "Kepgub 789 Tahun 2026", "decree_date": "2026-07-03"},
    )
    rat.refresh_from_db()
    assert rat.is_locked and rat.decree_number == "Kepgub 789 Tahun 2026"
    assert as_penyusun.get(reverse("planning:row_edit", args=[rat.pk, row.pk])).status_code == 403


def test_the_secretariat_starts_an_amendment_from_an_enacted_plan(
    reference: None, as_secretariat: Client, as_opd: Client
) -> None:
    demo_plans_load()
    rat26 = Plan.objects.get(kind=PlanKind.RAT, year_start=2026)
    assert as_opd.post(reverse("planning:amend", args=[rat26.pk])).status_code == 403
    response = as_secretariat.post(reverse("planning:amend", args=[rat26.pk]))
    draft = Plan.objects.get(amends=rat26)
    assert response["Location"] == reverse("planning:plan", args=[draft.pk])
    assert draft.matrix.count() == rat26.matrix.count()


def test_findings_are_listed_on_the_plan_page(rat: Plan, as_penyusun: Client) -> None:
    top = rat.matrix.get(code="P4")
    as_penyusun.post(
        reverse("planning:row_edit", args=[rat.pk, top.pk]),
        _row_post(top, rpkd_programme="", budget="1"),
    )
    findings = as_penyusun.get(reverse("planning:plan", args=[rat.pk])).context["findings"]
    assert {f.kind for f in findings} >= {"alignment", "budget"}


def test_comments_are_kept_per_chapter(rat: Plan, as_opd: Client, opd_operator: User) -> None:
    as_opd.post(
        reverse("planning:comment", args=[rat.pk]),
        {"text": "Mohon tambahkan data KLJ", "section": "pendahuluan"},
    )
    comment = rat.comments.get()
    assert comment.author == opd_operator and comment.section.key == "pendahuluan"  # type: ignore[union-attr]


def test_a_frozen_version_can_be_viewed_as_it_was(
    rat: Plan, as_penyusun: Client, as_opd: Client
) -> None:
    as_penyusun.post(reverse("planning:stage_finish", args=[rat.pk]))
    row = rat.matrix.get(code="P1.1.1")
    as_penyusun.post(
        reverse("planning:row_edit", args=[rat.pk, row.pk]), _row_post(row, name="Nama baru")
    )
    page = as_opd.get(reverse("planning:snapshot", args=[rat.pk, 1])).content.decode()
    assert row.name in page and "Nama baru" not in page


def test_a_comment_can_name_a_row_of_the_matrix(rat: Plan, as_opd: Client) -> None:
    row = rat.matrix.get(code="P1.1.1")
    as_opd.post(
        reverse("planning:comment", args=[rat.pk]), {"text": "Target terlalu rendah", "row": row.pk}
    )
    assert rat.comments.get().row == row
