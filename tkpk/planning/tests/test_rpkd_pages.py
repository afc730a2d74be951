from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from tkpk.accounts.models import Organisation, User
from tkpk.accounts.services import membership_grant, user_create
from tkpk.core.models import AuditEvent
from tkpk.core.roles import Role
from tkpk.planning import services
from tkpk.planning.demo import demo_plans_load
from tkpk.planning.models import Plan, PlanKind, Stage

pytestmark = pytest.mark.django_db

YEARS = range(2030, 2035)
KALI_ANYAR = "31.73.04.1002"
OTHER_KELURAHAN = "31.72.01.1001"
KECAMATAN = "31.73.04"


@pytest.fixture
def penyusun(reference: None) -> User:
    user = user_create(username="dewi", full_name="Dewi Lestari")
    membership_grant(user=user, role=Role.TIM_PENYUSUN)
    return user


@pytest.fixture
def as_penyusun(penyusun: User) -> Client:
    client = Client()
    client.force_login(penyusun)
    return client


@pytest.fixture
def rpkd(reference: None) -> Plan:
    return services.plan_create(
        kind=PlanKind.RPKD, title="RPKD 2030–2034", year_start=2030, year_end=2034
    )


@pytest.fixture
def filled(rpkd: Plan, penyusun: User) -> Plan:
    """One item of every kind, entered by the drafting team through the services."""
    goal = services.goal_create(plan=rpkd, code="T1", text="Menurunkan kemiskinan", by=penyusun)
    services.target_create(
        goal=goal,
        code="T1.1",
        indicator="P0",
        unit="persen",
        direction="lower",
        baseline=Decimal("3.5"),
        baseline_year=2029,
        values={y: Decimal("3") for y in YEARS},
        by=penyusun,
    )
    strategy = services.strategy_create(
        plan=rpkd, code="S1", kind="a", text="Beban", directions=["Arah 1"], by=penyusun
    )
    services.programme_create(
        plan=rpkd,
        code="P1",
        name="Bansos",
        klaster=1,
        strategy=strategy,
        opd=Organisation.objects.get(acronym="Dinsos"),
        budgets={y: Decimal(100) for y in YEARS},
        by=penyusun,
    )
    services.risk_create(plan=rpkd, risk="Data usang", likelihood=3, by=penyusun)
    return rpkd


def _url(name: str, *args: int) -> str:
    return reverse(f"planning_rpkd:{name}", args=list(args))


def _programme_post(plan: Plan, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": "P1",
        "name": "Bantuan Sosial Terpadu",
        "klaster": 1,
        "strategy": plan.strategies.get().pk,
        "opd": Organisation.objects.get(acronym="Dinsos").pk,
        "is_priority": "on",
        "location_codes": f"{KALI_ANYAR}, {OTHER_KELURAHAN}",
        **{f"budget_{y}": 900_000_000 for y in YEARS},
    }
    data.update(changes)
    return data


def test_a_drafter_enters_goals_targets_strategies_programmes_and_risks_through_the_pages(
    rpkd: Plan, as_penyusun: Client
) -> None:
    back = f"{rpkd.get_absolute_url()}#tujuan"
    response = as_penyusun.post(
        _url("goal_new", rpkd.pk), {"code": "T1", "text": "Menurunkan kemiskinan"}
    )
    assert response.status_code == 302 and response["Location"] == back
    goal = rpkd.goals.get()
    response = as_penyusun.post(
        _url("target_new", rpkd.pk, goal.pk),
        {
            "code": "T1.1",
            "indicator": "Persentase penduduk miskin",
            "unit": "persen",
            "direction": "lower",
            "baseline": "3.9",
            "baseline_year": 2029,
            **{f"value_{y}": f"3.{9 - (y - 2030)}" for y in YEARS},
        },
    )
    assert response.status_code == 302
    target = goal.targets.get()
    assert {v.year: v.value for v in target.values.all()} == {
        y: Decimal(f"3.{9 - (y - 2030)}") for y in YEARS
    }
    response = as_penyusun.post(
        _url("strategy_new", rpkd.pk),
        {"code": "S1", "kind": "a", "text": "Mengurangi beban", "directions": "Arah A\n\nArah B"},
    )
    assert response.status_code == 302
    strategy = rpkd.strategies.get()
    assert [(d.code, d.text) for d in strategy.directions.all()] == [
        ("S1.1", "Arah A"),
        ("S1.2", "Arah B"),
    ]
    response = as_penyusun.post(_url("programme_new", rpkd.pk), _programme_post(rpkd))
    assert response.status_code == 302
    programme = rpkd.programmes.get()
    assert sorted(loc.region_id for loc in programme.locations.all()) == [
        OTHER_KELURAHAN,
        KALI_ANYAR,
    ]
    assert {b.year: b.amount for b in programme.budgets.all()} == {
        y: Decimal(900_000_000) for y in YEARS
    }
    response = as_penyusun.post(
        _url("risk_new", rpkd.pk),
        {"risk": "Data usang", "cause": "Terlambat", "likelihood": 4, "mitigation": "Verifikasi"},
    )
    assert response.status_code == 302
    assert rpkd.risks.get().likelihood == 4

    assert services.plan_checks(plan=rpkd) == []
    assert AuditEvent.objects.filter(action="planning.programme_created").count() == 1
    page = as_penyusun.get(rpkd.get_absolute_url()).content.decode()
    for testid in ("goal-edit-T1", "target-edit-T1.1", "strategy-edit-S1", "programme-edit-P1"):
        assert f'data-testid="{testid}"' in page
    assert "Arah B" in page and "Kali Anyar" in page and "Penjaringan" in page
    assert "Verifikasi" in page

    form = as_penyusun.get(_url("programme_edit", rpkd.pk, programme.pk)).content.decode()
    assert f'value="{OTHER_KELURAHAN}, {KALI_ANYAR}"' in form and 'name="budget_2034"' in form
    assert 'data-testid="rpkd-delete"' in form

    # editing replaces the directions, the budgets and the priority kelurahan
    response = as_penyusun.post(
        _url("strategy_edit", rpkd.pk, strategy.pk),
        {"code": "S1", "kind": "b", "text": "Baru", "directions": "Arah C", "lock_version": 0},
    )
    assert response.status_code == 302
    assert [d.text for d in strategy.directions.all()] == ["Arah C"]
    response = as_penyusun.post(
        _url("programme_edit", rpkd.pk, programme.pk),
        _programme_post(
            rpkd, location_codes=KALI_ANYAR, budget_2034="", lock_version=0, name="Bansos"
        ),
    )
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.name == "Bansos" and programme.lock_version == 1
    assert [loc.region_id for loc in programme.locations.all()] == [KALI_ANYAR]
    assert sorted(b.year for b in programme.budgets.all()) == [2030, 2031, 2032, 2033]


def test_a_location_that_is_not_a_kelurahan_is_refused_and_what_was_typed_stays(
    filled: Plan, as_penyusun: Client
) -> None:
    programme = filled.programmes.get()
    response = as_penyusun.post(
        _url("programme_edit", filled.pk, programme.pk),
        _programme_post(
            filled,
            name="Nama yang diketik",
            location_codes=f"{KALI_ANYAR}, {KECAMATAN}",
            lock_version=programme.lock_version,
        ),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="invalid-feedback d-block"' in body and f"{KECAMATAN} Tambora" in body
    assert 'value="Nama yang diketik"' in body
    assert f"{KALI_ANYAR}, {KECAMATAN}" in body
    programme.refresh_from_db()
    assert programme.name == "Bansos" and not programme.locations.exists()
    new = as_penyusun.post(
        _url("programme_new", filled.pk),
        _programme_post(filled, code="P9", location_codes=KECAMATAN),
    )
    assert new.status_code == 200 and not filled.programmes.filter(code="P9").exists()


def _write_urls(plan: Plan) -> list[str]:
    goal = plan.goals.get()
    target = goal.targets.get()
    items = {
        "goal": goal.pk,
        "strategy": plan.strategies.get().pk,
        "programme": plan.programmes.get().pk,
        "risk": plan.risks.get().pk,
    }
    urls = [_url(f"{k}_new", plan.pk) for k in items]
    urls += [_url(f"{k}_edit", plan.pk, pk) for k, pk in items.items()]
    urls += [_url(f"{k}_delete", plan.pk, pk) for k, pk in items.items()]
    urls += [
        _url("target_new", plan.pk, goal.pk),
        _url("target_edit", plan.pk, goal.pk, target.pk),
        _url("target_delete", plan.pk, goal.pk, target.pk),
    ]
    return urls


def test_an_opd_operator_and_the_outsider_are_refused_on_every_write_page(
    filled: Plan, as_opd: Client, as_outsider: Client
) -> None:
    for client in (as_opd, as_outsider):
        for url in _write_urls(filled):
            assert client.post(url, {"code": "X", "text": "X", "risk": "X"}).status_code == 403
            if not url.endswith("/hapus/"):
                assert client.get(url).status_code == 403
    assert filled.goals.get().code == "T1" and filled.risks.count() == 1
    page = as_opd.get(filled.get_absolute_url()).content.decode()
    assert 'data-testid="goal-new"' not in page and 'data-testid="programme-edit-P1"' not in page
    assert "Data usang" in page  # reading stays open to members


def test_a_stale_save_is_refused_naming_who_saved_in_between_and_nothing_is_overwritten(
    filled: Plan, as_penyusun: Client, as_secretariat: Client
) -> None:
    target = filled.goals.get().targets.get()
    url = _url("target_edit", filled.pk, target.goal_id, target.pk)
    post = {
        "code": "T1.1",
        "indicator": "P0",
        "unit": "persen",
        "direction": "lower",
        "baseline": "3.5",
        "baseline_year": 2029,
        "lock_version": target.lock_version,
        **{f"value_{y}": "3" for y in YEARS},
    }
    assert as_secretariat.post(url, {**post, "value_2030": "2.5"}).status_code == 302
    second = as_penyusun.post(url, {**post, "indicator": "Versi Dewi", "value_2030": "9"})
    assert second.status_code == 200
    body = second.content.decode()
    assert "Rina Wulandari" in body and 'value="Versi Dewi"' in body
    target.refresh_from_db()
    assert target.indicator == "P0" and target.lock_version == 1
    assert target.values.get(year=2030).value == Decimal("2.5")
    risk = filled.risks.get()
    stale = as_penyusun.post(_url("risk_delete", filled.pk, risk.pk), {"lock_version": 7})
    assert stale.status_code == 302 and filled.risks.exists()


def test_an_enacted_rpkd_refuses_every_write(reference: None, as_secretariat: Client) -> None:
    demo_plans_load()
    plan = Plan.objects.get(kind=PlanKind.RPKD)
    assert plan.stage == Stage.ENACTED
    goal = plan.goals.get()
    target = goal.targets.first()
    assert target is not None
    urls = [
        _url("goal_new", plan.pk),
        _url("goal_edit", plan.pk, goal.pk),
        _url("target_edit", plan.pk, goal.pk, target.pk),
        _url("risk_new", plan.pk),
        _url("programme_edit", plan.pk, plan.programmes.first().pk),  # type: ignore[union-attr]
        _url("risk_delete", plan.pk, plan.risks.get().pk),
    ]
    for url in urls:
        assert as_secretariat.post(url, {"code": "X", "text": "X"}).status_code == 403
    assert plan.goals.get().text == "Menurunkan tingkat kemiskinan" and plan.risks.exists()
    page = as_secretariat.get(plan.get_absolute_url()).content.decode()
    assert 'data-testid="goal-new"' not in page and 'data-testid="risks"' in page


def test_deleting_items_works_and_a_strategy_in_use_is_kept(
    filled: Plan, as_penyusun: Client
) -> None:
    strategy = filled.strategies.get()
    refused = as_penyusun.post(
        _url("strategy_delete", filled.pk, strategy.pk), {"lock_version": 0}, follow=True
    )
    assert filled.strategies.exists() and "P1" in refused.content.decode()
    programme = filled.programmes.get()
    goal = filled.goals.get()
    target = goal.targets.get()
    for url in (
        _url("programme_delete", filled.pk, programme.pk),
        _url("strategy_delete", filled.pk, strategy.pk),
        _url("target_delete", filled.pk, goal.pk, target.pk),
        _url("goal_delete", filled.pk, goal.pk),
        _url("risk_delete", filled.pk, filled.risks.get().pk),
    ):
        assert as_penyusun.post(url, {"lock_version": 0}).status_code == 302
    assert not filled.programmes.exists() and not filled.strategies.exists()
    assert not filled.goals.exists() and not filled.risks.exists()
    assert AuditEvent.objects.filter(action="planning.goal_deleted").count() == 1
