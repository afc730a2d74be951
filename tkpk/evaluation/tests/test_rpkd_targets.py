"""Macro targets come from the enacted RPKD where its targets name a macro indicator."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from conftest import login
from tkpk.accounts.models import User
from tkpk.core.models import AuditEvent
from tkpk.evaluation.models import MacroIndicator, MacroTarget, RpkdIndicatorLink
from tkpk.evaluation.selectors import macro_achievement
from tkpk.evaluation.services import (
    bps_poverty_load,
    dashboard_stale_years,
    macro_indicator_for_text,
    rpkd_macro_targets_sync,
)
from tkpk.planning.models import Plan, PlanKind, Target, TargetValue
from tkpk.planning.services import goal_create, plan_create, plan_enact, target_create

pytestmark = pytest.mark.django_db
D = Decimal


def _rpkd(secretariat: User, *, title: str, p0: dict[int, Decimal], enact: bool) -> Plan:
    plan = plan_create(
        kind=PlanKind.RPKD, title=title, year_start=2025, year_end=2029, by=secretariat
    )
    goal = goal_create(plan=plan, code="T1", text="Menurunkan kemiskinan", by=secretariat)
    rows = [
        ("T1.1", "Persentase penduduk miskin (P0)", "persen", "lower", D("4.30"), p0),
        # Not a macro indicator: no macro target comes of it.
        ("T1.2", "Rumah tangga penerima bantuan pangan", "RT", "higher", D(1000), {2025: D(9)}),
    ]
    for code, indicator, unit, direction, baseline, values in rows:
        target_create(
            goal=goal,
            code=code,
            indicator=indicator,
            unit=unit,
            direction=direction,
            baseline=baseline,
            baseline_year=2024,
            values=values,
            by=secretariat,
        )
    if enact:
        plan_enact(
            plan=plan, decree_number="KG 1/2025", decree_date=date(2025, 3, 1), by=secretariat
        )
    return plan


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Persentase penduduk miskin (P0)", "P0"),
        ("  persentase   PENDUDUK miskin ekstrem ", "extreme_poverty"),
        ("Tingkat kemiskinan (p0)", "P0"),
        ("Rasio Gini", "gini"),
        ("Rumah tangga penerima bantuan pangan", None),
        ("Penduduk miskin (orang)", None),
    ],
)
def test_an_rpkd_target_names_a_macro_indicator_by_name_or_code(
    reference: None, text: str, code: str | None
) -> None:
    bps_poverty_load()
    found = macro_indicator_for_text(text, MacroIndicator.objects.all())
    assert (found.code if found else None) == code


def test_the_enacted_rpkd_sets_the_provinces_macro_targets(secretariat: User) -> None:
    bps_poverty_load()  # seeds the published 2025 target of 3.85
    _rpkd(secretariat, title="RPKD draf", p0={2025: D("3.10")}, enact=False)
    assert MacroTarget.objects.get(indicator__code="P0", region_id="31", year=2025).target == D(
        "3.85"
    )
    _rpkd(
        secretariat,
        title="RPKD DKI 2025–2029",
        p0={2025: D("3.70"), 2026: D("3.55"), 2027: D("3.40")},
        enact=True,
    )
    assert rpkd_macro_targets_sync() == 3
    targets = {
        t.year: t
        for t in MacroTarget.objects.filter(indicator__code="P0", region_id="31", year__gte=2025)
    }
    assert {y: t.target for y, t in targets.items()} == {
        2025: D("3.70"),
        2026: D("3.55"),
        2027: D("3.40"),
    }
    assert targets[2026].source == "RPKD DKI 2025–2029 (KG 1/2025)"
    assert rpkd_macro_targets_sync() == 0  # idempotent
    # The achievement of 2025 now reads the RPKD's target, direction-aware (lower is better).
    row = next(
        r for r in macro_achievement(year=2025) if r["indicator"] == "P0" and r["region"] == "31"
    )
    assert row["target"] == D("3.70") and row["target_source"].startswith("RPKD DKI")
    # The secretariat sees the targets and their sources on the macro data page.
    page = login(secretariat).get(reverse("evaluation:macro_data")).content.decode()
    table = page.split('data-testid="macro-targets"')[1]
    assert "RPKD DKI 2025–2029 (KG 1/2025)" in table
    assert "3,55" in table or "3.55" in table  # the number in the language shown


def test_a_changed_rpkd_makes_the_dashboard_stale(secretariat: User) -> None:
    bps_poverty_load()
    from tkpk.evaluation.services import dashboard_refresh  # noqa: PLC0415

    dashboard_refresh(year=2026)
    assert 2026 not in dashboard_stale_years()
    _rpkd(secretariat, title="RPKD DKI 2025–2029", p0={2026: D("3.55")}, enact=True)
    assert 2026 in dashboard_stale_years()
    dashboard_refresh(year=2026)  # syncs the targets first
    assert MacroTarget.objects.get(indicator__code="P0", region_id="31", year=2026).target == D(
        "3.55"
    )
    assert 2026 not in dashboard_stale_years()


def test_the_secretariat_links_a_target_to_its_macro_indicator_and_unlinks_another(
    secretariat: User, django_capture_on_commit_callbacks: Any
) -> None:
    bps_poverty_load()
    plan = _rpkd(secretariat, title="RPKD DKI 2025–2029", p0={2026: D("3.55")}, enact=True)
    food = Target.objects.get(goal__plan=plan, code="T1.2")  # not recognised by its name
    TargetValue.objects.filter(target=food).update(value=D("0.41"))
    p0 = Target.objects.get(goal__plan=plan, code="T1.1")
    client = login(secretariat)
    page = client.get(reverse("evaluation:macro_data")).content.decode()
    assert f'data-testid="rpkd-links-{plan.pk}"' in page
    form = page.split(f'data-testid="rpkd-links-{plan.pk}"')[1].split("</form>")[0]
    assert f'name="rpkd-target_{p0.pk}"' in form and '<option value="P0" selected>' in form
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("evaluation:rpkd_links", args=[plan.pk]),
            {f"rpkd-target_{p0.pk}": "", f"rpkd-target_{food.pk}": "gini"},
        )
    assert response.status_code == 302
    # The Gini target now comes from the RPKD; the P0 target it gave before is gone again.
    gini = MacroTarget.objects.get(indicator__code="gini", region_id="31", year=2025)
    assert gini.target == D("0.41") and gini.source.startswith("RPKD DKI")
    assert not MacroTarget.objects.filter(
        indicator__code="P0", region_id="31", year=2026, source__startswith="RPKD"
    ).exists()
    assert RpkdIndicatorLink.objects.get(target=p0).indicator is None
    assert AuditEvent.objects.filter(action="evaluation.rpkd_links_saved").exists()
    # Only the secretariat may link; a tampered choice is refused without a change.
    bad = client.post(
        reverse("evaluation:rpkd_links", args=[plan.pk]), {f"rpkd-target_{p0.pk}": "nope"}
    )
    assert bad.status_code == 302 and RpkdIndicatorLink.objects.get(target=p0).indicator is None
    assert (
        login(
            User.objects.create_user(username="x", password="x")  # type: ignore[attr-defined]
        )
        .post(reverse("evaluation:rpkd_links", args=[plan.pk]))
        .status_code
        == 403
    )
