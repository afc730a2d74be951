"""The instrument pages (TKPK-03.01) and the reporting calendar, driven through HTTP by the
persona whose step it is: the secretariat builds, adjusts, sends, finalises and publishes; each
OPD confirms only its own rows; the Ketua approves or returns."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from tkpk.accounts.models import Organisation, User
from tkpk.core.roles import Role
from tkpk.monitoring.models import (
    Instrument,
    InstrumentRow,
    InstrumentStatus,
    PeriodState,
    ReportingPeriod,
)
from tkpk.monitoring.services import (
    STEP_APPROVE,
    STEP_CONFIRM,
    STEP_DRAFT,
    STEP_FINALISE,
    STEP_PUBLISH,
    instrument_build_from_rat,
    instrument_row_adjust,
    instrument_send_for_confirmation,
    period_calendar_set,
)
from tkpk.monitoring.services_instrument_pages import STEP_LINKS
from tkpk.monitoring.services_reports import period_lock, period_open
from tkpk.monitoring.tests.factories import rat_enacted, user_with_role
from tkpk.planning.models import Plan
from tkpk.processes.models import HumanTask, InstanceStatus, TaskStatus
from tkpk.processes.services import process_maps_load
from tkpk.regions.models import Region

pytestmark = pytest.mark.django_db


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def ketua(reference: None) -> User:
    return user_with_role("hendra", Role.KETUA)


@pytest.fixture
def as_ketua(ketua: User) -> Client:
    return login(ketua)


@pytest.fixture
def as_other_opd(other_opd_operator: User) -> Client:
    return login(other_opd_operator)


@pytest.fixture
def rat(reference: None) -> Plan:
    process_maps_load()
    return rat_enacted(2028)


@pytest.fixture
def draft(rat: Plan, secretariat: User) -> Instrument:
    return instrument_build_from_rat(plan=rat, by=secretariat)


def open_steps(instrument: Instrument) -> list[tuple[str, str]]:
    tasks = HumanTask.objects.filter(instance_id=instrument.instance_id, status=TaskStatus.OPEN)
    return sorted((t.step, t.organisation.acronym if t.organisation else "") for t in tasks)


def page(instrument: Instrument) -> str:
    return reverse("monitoring:instrument", args=[instrument.pk])


def action(instrument: Instrument, name: str) -> str:
    return reverse(f"monitoring:instrument_{name}", args=[instrument.pk])


def confirm_url(instrument: Instrument, acronym: str) -> str:
    opd = Organisation.objects.get(acronym=acronym)
    return reverse("monitoring:instrument_confirm", args=[instrument.pk, opd.pk])


def opd_prefix(acronym: str) -> str:
    return f"opd{Organisation.objects.get(acronym=acronym).pk}"


def row_post(row: InstrumentRow, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "indicator": row.indicator,
        "unit": row.unit,
        "direction": row.direction,
        "aggregation": row.aggregation,
        "target": row.target if row.target is not None else "",
        "target_q1": row.target_q1 if row.target_q1 is not None else "",
        "target_q2": row.target_q2 if row.target_q2 is not None else "",
        "target_q3": row.target_q3 if row.target_q3 is not None else "",
        "target_q4": row.target_q4 if row.target_q4 is not None else "",
        "budget_ceiling": row.budget_ceiling,
        "beneficiary_target": row.beneficiary_target if row.beneficiary_target is not None else "",
        "target_group": row.target_group,
        "source_of_funds": row.source_of_funds,
        "opd": row.opd_id,
        "lock_version": row.lock_version,
        "location_codes": ", ".join(r.pk for r in row.locations.all()),
    }
    data.update(changes)
    return data


def codes_on(html: str) -> set[str]:
    return set(re.findall(r'<tr id="row-\d+" data-code="([^"]+)"', html))


def status_of(instrument: Instrument) -> str:
    instrument.refresh_from_db()
    return instrument.status


# --- the list and building from the RAT --------------------------------------------------------


def test_the_secretariat_builds_the_years_instrument_from_an_enacted_rat_on_the_list_page(
    rat: Plan, as_secretariat: Client
) -> None:
    listing = as_secretariat.get(reverse("monitoring:instruments"))
    assert listing.status_code == 200
    assert f'<option value="{rat.pk}"' in listing.content.decode()

    response = as_secretariat.post(reverse("monitoring:instruments"), {"plan": rat.pk})

    instrument = Instrument.objects.get(year=2028)
    assert response.status_code == 302 and response["Location"] == page(instrument)
    assert instrument.rows.count() == 2 and instrument.status == InstrumentStatus.DRAFT
    assert open_steps(instrument) == [(STEP_DRAFT, "")]
    # A year with an instrument is no longer offered, and the same RAT cannot be built twice.
    assert (
        f'<option value="{rat.pk}"'
        not in as_secretariat.get(reverse("monitoring:instruments")).content.decode()
    )
    again = as_secretariat.post(reverse("monitoring:instruments"), {"plan": rat.pk})
    assert again.status_code == 200 and Instrument.objects.filter(year=2028).count() == 1


def test_every_monitoring_role_sees_the_list_but_only_the_secretariat_builds(
    draft: Instrument, as_opd: Client, as_ketua: Client
) -> None:
    for client in (as_opd, as_ketua):
        listing = client.get(reverse("monitoring:instruments"))
        assert listing.status_code == 200
        assert f'data-testid="instrument-{draft.year}"' in listing.content.decode()
        assert 'data-testid="instrument-build"' not in listing.content.decode()
    assert (
        as_opd.post(reverse("monitoring:instruments"), {"plan": draft.plan_id}).status_code == 403
    )
    assert Instrument.objects.count() == 1


def test_the_outsider_and_a_kelurahan_verifier_are_refused_on_every_page(
    draft: Instrument, as_outsider: Client, as_verifier: Client
) -> None:
    row = draft.rows.get(code="P1.1.1")
    gets = [
        reverse("monitoring:instruments"),
        page(draft),
        reverse("monitoring:instrument_row", args=[row.pk]),
        reverse("monitoring:calendar", args=[2028]),
        reverse("monitoring:calendar_current"),
    ]
    posts = [
        (reverse("monitoring:instruments"), {"plan": draft.plan_id}),
        (action(draft, "send"), {}),
        (action(draft, "finalise"), {}),
        (action(draft, "publish"), {}),
        (action(draft, "decide"), {"decision": "approve"}),
        (confirm_url(draft, "Dinsos"), {}),
        (reverse("monitoring:instrument_row", args=[row.pk]), row_post(row, target="1")),
        (reverse("monitoring:calendar", args=[2028]), {"quarter": "1"}),
    ]
    for client in (as_outsider, as_verifier):
        for url in gets:
            assert client.get(url).status_code in (403, 404), url
        for url, data in posts:
            assert client.post(url, data).status_code in (403, 404), url
    assert status_of(draft) == InstrumentStatus.DRAFT
    assert open_steps(draft) == [(STEP_DRAFT, "")]
    assert draft.rows.get(code="P1.1.1").target == Decimal("1200")


# --- the walk through TKPK-03.01 on the page ---------------------------------------------------


def test_the_instrument_walks_through_its_process_step_by_step_on_the_page(  # noqa: PLR0915 (one story)
    draft: Instrument,
    as_secretariat: Client,
    as_opd: Client,
    as_other_opd: Client,
    as_ketua: Client,
) -> None:
    # Task_INS_01: the secretariat sends the draft to the OPDs.
    detail = as_secretariat.get(page(draft)).content.decode()
    assert 'data-testid="instrument-send"' in detail and codes_on(detail) == {"P1.1.1", "P2.1.1"}
    assert 'data-step="draft" aria-current="step"' in detail
    assert as_opd.post(action(draft, "send")).status_code == 403
    assert as_secretariat.post(action(draft, "send")).status_code == 302
    assert status_of(draft) == InstrumentStatus.CONFIRMING
    assert open_steps(draft) == [(STEP_CONFIRM, "Dinsos"), (STEP_CONFIRM, "Disdik")]

    # Task_INS_02: each OPD sees and confirms only its own rows.
    opd_page = as_opd.get(page(draft)).content.decode()
    assert codes_on(opd_page) == {"P1.1.1"}
    assert "P2.1.1" not in opd_page
    assert opd_page.count('data-testid="confirm-form"') == 1
    assert 'data-testid="instrument-send"' not in opd_page
    response = as_opd.post(
        confirm_url(draft, "Dinsos"), {f"{opd_prefix('Dinsos')}-note": "Sesuai DPA 2028"}
    )
    assert response.status_code == 302
    assert draft.rows.get(code="P1.1.1").opd_confirmed_at is not None
    assert draft.rows.get(code="P2.1.1").opd_confirmed_at is None
    done = HumanTask.objects.get(
        instance_id=draft.instance_id, step=STEP_CONFIRM, status="completed"
    )
    assert done.organisation.acronym == "Dinsos" and done.comment == "Sesuai DPA 2028"  # type: ignore[union-attr]
    assert open_steps(draft) == [(STEP_CONFIRM, "Disdik")]
    # Finalising before every OPD confirmed is refused and changes nothing.
    as_secretariat.post(action(draft, "finalise"))
    assert status_of(draft) == InstrumentStatus.CONFIRMING
    assert as_other_opd.post(confirm_url(draft, "Disdik"), {}).status_code == 302
    assert open_steps(draft) == [(STEP_FINALISE, "")]

    # Task_INS_03: the secretariat finalises.
    assert as_secretariat.post(action(draft, "finalise")).status_code == 302
    assert status_of(draft) == InstrumentStatus.REVIEW
    assert open_steps(draft) == [(STEP_APPROVE, "")]

    # Task_INS_04: only the Ketua decides; a return needs a note.
    assert (
        'data-testid="instrument-decision"' not in as_secretariat.get(page(draft)).content.decode()
    )
    assert as_secretariat.post(action(draft, "decide"), {"decision": "approve"}).status_code == 403
    assert 'data-testid="instrument-decision"' in as_ketua.get(page(draft)).content.decode()
    refused = as_ketua.post(action(draft, "decide"), {"decision": "return", "note": "  "})
    assert refused.status_code == 200
    assert 'data-testid="decision-note-error"' in refused.content.decode()
    assert status_of(draft) == InstrumentStatus.REVIEW
    assert open_steps(draft) == [(STEP_APPROVE, "")]
    returned = as_ketua.post(
        action(draft, "decide"), {"decision": "return", "note": "Lengkapi lokasi"}
    )
    assert returned.status_code == 302
    assert status_of(draft) == InstrumentStatus.DRAFT
    assert open_steps(draft) == [(STEP_FINALISE, "")]
    after_return = as_secretariat.get(page(draft)).content.decode()
    assert "Lengkapi lokasi" in after_return
    # The confirmations stand: the returned draft goes straight back to finalisation.
    assert 'data-testid="instrument-send"' not in after_return
    assert 'data-testid="instrument-finalise"' in after_return
    as_secretariat.post(action(draft, "finalise"))
    assert as_ketua.post(action(draft, "decide"), {"decision": "approve"}).status_code == 302
    assert status_of(draft) == InstrumentStatus.APPROVED
    assert open_steps(draft) == [(STEP_PUBLISH, "")]

    # Task_INS_05: the secretariat publishes; the page shows the frozen version.
    assert as_opd.post(action(draft, "publish")).status_code == 403
    assert as_secretariat.post(action(draft, "publish")).status_code == 302
    assert status_of(draft) == InstrumentStatus.PUBLISHED
    assert draft.instance.status == InstanceStatus.COMPLETED  # type: ignore[union-attr]
    assert open_steps(draft) == []
    published = as_secretariat.get(page(draft)).content.decode()
    assert 'data-testid="instrument-frozen" data-version="1"' in published
    assert 'data-testid="instrument-snapshot"' in published
    assert 'data-testid="row-edit-' not in published
    assert draft.periods.count() == 4
    opd_published = as_opd.get(page(draft)).content.decode()
    snapshot = opd_published.split('data-testid="instrument-snapshot"')[1]
    assert 'data-code="P1.1.1"' in snapshot and 'data-code="P2.1.1"' not in snapshot


def test_an_opd_cannot_confirm_for_another_opd_nor_the_secretariat_for_an_opd(
    draft: Instrument, secretariat: User, as_opd: Client, as_secretariat: Client
) -> None:
    # Before the draft is sent there is nothing to confirm: refused, nothing recorded.
    assert as_opd.post(confirm_url(draft, "Dinsos"), {}).status_code == 302
    assert not draft.rows.filter(opd_confirmed_at__isnull=False).exists()
    instrument_send_for_confirmation(instrument=draft, by=secretariat)

    assert as_opd.post(confirm_url(draft, "Disdik"), {}).status_code == 404
    assert as_secretariat.post(confirm_url(draft, "Dinsos"), {}).status_code == 404

    assert not draft.rows.filter(opd_confirmed_at__isnull=False).exists()
    assert open_steps(draft) == [(STEP_CONFIRM, "Dinsos"), (STEP_CONFIRM, "Disdik")]


def test_an_opd_does_not_reach_another_opds_row_nor_edits_its_own(
    draft: Instrument, as_opd: Client
) -> None:
    other = draft.rows.get(code="P2.1.1")
    own = draft.rows.get(code="P1.1.1")
    assert as_opd.get(reverse("monitoring:instrument_row", args=[other.pk])).status_code == 404
    assert as_opd.get(reverse("monitoring:instrument_row", args=[own.pk])).status_code == 403
    response = as_opd.post(
        reverse("monitoring:instrument_row", args=[own.pk]), row_post(own, target="1")
    )
    assert response.status_code == 403
    assert draft.rows.get(code="P1.1.1").target == Decimal("1200")


# --- adjusting a row ---------------------------------------------------------------------------


def test_the_secretariat_adjusts_a_row_with_its_locations(
    draft: Instrument, as_secretariat: Client
) -> None:
    row = draft.rows.get(code="P1.1.1")
    url = reverse("monitoring:instrument_row", args=[row.pk])
    assert as_secretariat.get(url).status_code == 200
    seven = sorted(Region.objects.filter(pk__startswith="31.73.04.").values_list("pk", flat=True))
    seven = [c for c in seven if c.count(".") == 3][:7]

    response = as_secretariat.post(
        url,
        row_post(
            row,
            target="1300",
            target_q4="1300",
            target_group="Desil 1–3",
            location_codes=", ".join(seven),
        ),
    )

    assert response.status_code == 302 and response["Location"].endswith(f"#row-{row.pk}")
    row.refresh_from_db()
    assert (row.target, row.target_q4, row.target_group) == (
        Decimal("1300"),
        Decimal("1300"),
        "Desil 1–3",
    )
    assert sorted(r.pk for r in row.locations.all()) == seven
    assert row.lock_version == 1
    shown = as_secretariat.get(page(draft)).content.decode()
    assert Region.objects.get(pk=seven[0]).name in shown
    assert Region.objects.get(pk=seven[6]).name not in shown  # five names, then a count


def test_a_stale_row_edit_keeps_the_typed_values_and_changes_nothing(
    draft: Instrument, secretariat: User, as_secretariat: Client
) -> None:
    row = draft.rows.get(code="P1.1.1")
    opened = row_post(row)  # the form as the user opened it (lock_version 0)
    instrument_row_adjust(
        row=row, by=secretariat, lock_version=row.lock_version, data={"source_of_funds": "APBD"}
    )

    response = as_secretariat.post(
        reverse("monitoring:instrument_row", args=[row.pk]),
        {**opened, "target": "1250", "target_q4": "1250", "unit": "keluarga"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="row-error"' in html
    assert 'value="1250"' in html and 'value="keluarga"' in html
    row.refresh_from_db()
    assert (row.target, row.unit, row.source_of_funds, row.lock_version) == (
        Decimal("1200"),
        "orang",
        "APBD",
        1,
    )


def test_a_row_with_decreasing_cumulative_targets_is_refused_with_the_typed_values(
    draft: Instrument, as_secretariat: Client
) -> None:
    row = draft.rows.get(code="P1.1.1")
    response = as_secretariat.post(
        reverse("monitoring:instrument_row", args=[row.pk]), row_post(row, target_q3="550")
    )
    assert response.status_code == 200 and 'value="550"' in response.content.decode()
    row.refresh_from_db()
    assert row.target_q3 == Decimal("900") and row.lock_version == 0


def test_a_row_cannot_be_adjusted_once_the_instrument_went_to_the_ketua(
    instrument: Instrument, as_secretariat: Client
) -> None:
    row = instrument.rows.get(code="P1.1.1")
    response = as_secretariat.post(
        reverse("monitoring:instrument_row", args=[row.pk]), row_post(row, target="5")
    )
    assert response.status_code == 200
    assert 'data-testid="row-frozen"' in response.content.decode()
    row.refresh_from_db()
    assert row.target == Decimal("1200") and row.lock_version == 0


# --- the reporting calendar --------------------------------------------------------------------


def calendar_post(period: ReportingPeriod, **changes: object) -> dict[str, object]:
    prefix = f"q{period.quarter}"
    data: dict[str, object] = {
        "quarter": period.quarter,
        f"{prefix}-lock_version": period.lock_version,
        f"{prefix}-opens_on": period.opens_on.isoformat(),
        f"{prefix}-due_on": period.due_on.isoformat(),
        f"{prefix}-locks_on": period.locks_on.isoformat(),
    }
    data.update({f"{prefix}-{k}": v for k, v in changes.items()})
    return data


def test_the_calendar_shows_each_quarters_dates_and_state_to_every_monitoring_role(
    instrument: Instrument, as_opd: Client, as_secretariat: Client
) -> None:
    period_open(period=instrument.periods.get(quarter=1), by=None)
    response = as_opd.get(reverse("monitoring:calendar", args=[2028]))
    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r'data-quarter="(\d)" data-state="(\w+)"', html) == [
        ("1", "open"),
        ("2", "scheduled"),
        ("3", "scheduled"),
        ("4", "scheduled"),
    ]
    assert 'data-opens="2028-04-01" data-due="2028-04-10" data-locks="2028-04-25"' in html
    assert 'data-testid="calendar-form-' not in html  # read-only for an OPD
    assert (
        'data-testid="calendar-form-2"'
        in as_secretariat.get(reverse("monitoring:calendar", args=[2028])).content.decode()
    )
    current = as_opd.get(reverse("monitoring:calendar_current"))
    assert current.status_code == 302
    assert current["Location"] == reverse("monitoring:calendar", args=[2028])


def test_the_secretariat_moves_a_quarters_dates_and_an_opd_cannot(
    instrument: Instrument, as_secretariat: Client, as_opd: Client
) -> None:
    q2 = instrument.periods.get(quarter=2)
    url = reverse("monitoring:calendar", args=[2028])

    refused = as_opd.post(url, calendar_post(q2, due_on="2028-07-15"))
    assert refused.status_code == 403
    response = as_secretariat.post(url, calendar_post(q2, due_on="2028-07-15"))

    assert response.status_code == 302
    q2.refresh_from_db()
    assert q2.due_on == date(2028, 7, 15) and q2.lock_version == 1


def test_a_stale_or_invalid_calendar_save_keeps_the_typed_dates_and_changes_nothing(
    instrument: Instrument, secretariat: User, as_secretariat: Client
) -> None:
    q3 = instrument.periods.get(quarter=3)
    opened = calendar_post(q3)
    period_calendar_set(
        period=q3,
        by=secretariat,
        lock_version=q3.lock_version,
        opens_on=q3.opens_on,
        due_on=date(2028, 10, 12),
        locks_on=q3.locks_on,
    )
    url = reverse("monitoring:calendar", args=[2028])

    stale = as_secretariat.post(url, {**opened, "q3-due_on": "2028-10-20"})
    assert stale.status_code == 200
    assert 'data-testid="calendar-error"' in stale.content.decode()
    assert 'value="2028-10-20"' in stale.content.decode()
    q3.refresh_from_db()
    assert q3.due_on == date(2028, 10, 12) and q3.lock_version == 1

    # Due after the lock date: refused by the period's own rule, typed dates kept.
    wrong = as_secretariat.post(url, calendar_post(q3, due_on="2028-11-30"))
    assert wrong.status_code == 200 and 'value="2028-11-30"' in wrong.content.decode()
    q3.refresh_from_db()
    assert q3.due_on == date(2028, 10, 12)


def test_an_open_quarter_keeps_its_opening_and_a_locked_one_cannot_be_moved(
    instrument: Instrument, secretariat: User, as_secretariat: Client
) -> None:
    q1 = period_open(period=instrument.periods.get(quarter=1), by=None)
    url = reverse("monitoring:calendar", args=[2028])

    # The opening date field is disabled: a posted opening date is ignored, the due date moves.
    response = as_secretariat.post(
        url, calendar_post(q1, opens_on="2028-03-01", due_on="2028-04-12")
    )
    assert response.status_code == 302
    q1.refresh_from_db()
    assert (q1.opens_on, q1.due_on) == (date(2028, 4, 1), date(2028, 4, 12))

    period_lock(period=q1, by=secretariat, today=q1.locks_on)
    q1.refresh_from_db()
    assert q1.state == PeriodState.LOCKED
    locked = as_secretariat.post(url, calendar_post(q1, due_on="2028-04-20"))
    assert locked.status_code == 200
    q1.refresh_from_db()
    assert q1.due_on == date(2028, 4, 12)


def test_the_calendar_of_a_year_without_a_published_instrument_says_so(
    draft: Instrument, as_secretariat: Client
) -> None:
    response = as_secretariat.get(reverse("monitoring:calendar", args=[2028]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="calendar-empty"' in html and page(draft) in html


# --- links from the process steps --------------------------------------------------------------


def test_each_open_instrument_step_links_to_the_instrument_page(
    draft: Instrument, secretariat: User
) -> None:
    task = HumanTask.objects.get(instance_id=draft.instance_id, status=TaskStatus.OPEN)
    link = STEP_LINKS[task.step](task)
    assert link is not None and link[0] == page(draft) + "#instrument-actions"

    instrument_send_for_confirmation(instrument=draft, by=secretariat)
    for task in HumanTask.objects.filter(instance_id=draft.instance_id, status=TaskStatus.OPEN):
        link = STEP_LINKS[task.step](task)
        assert link is not None and link[0] == f"{page(draft)}#opd-{task.organisation_id}"
