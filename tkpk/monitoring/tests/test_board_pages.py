"""The completeness board, the chair's view, the period lock and reopening, and the follow-ups
page, driven through the pages with state built by the domain services."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from conftest import login
from tkpk.accounts.models import Organisation, User
from tkpk.monitoring.models import (
    FollowUp,
    FollowUpStatus,
    Instrument,
    PeriodState,
    ReportingPeriod,
)
from tkpk.monitoring.services_reports import (
    follow_up_create,
    period_lock,
    period_open,
    report_submit,
    report_verify,
)
from tkpk.monitoring.tests.factories import fill, open_quarter, report_of

pytestmark = pytest.mark.django_db
JAKARTA = ZoneInfo("Asia/Jakarta")
BOARD = "/pemantauan/"


def at(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=JAKARTA)


def grid(client: Client, **params: object) -> dict[str, dict[int, tuple[str, bool]]]:
    """{opd: {quarter: (state, late)}} read from the board's data attributes."""
    response = client.get(BOARD, {"year": 2028, **params})
    assert response.status_code == 200
    html = response.content.decode()
    table = html.split('data-testid="board"', 1)[1].split("<tfoot", 1)[0]
    result: dict[str, dict[int, tuple[str, bool]]] = {}
    for chunk in table.split('<tr data-opd="')[1:]:
        opd = chunk.split('"', 1)[0]
        cells = re.findall(r'data-quarter="(\d)" data-state="(\w+)" data-late="(\d)"', chunk)
        result[opd] = {int(q): (s, late == "1") for q, s, late in cells}
    return result


def counts(client: Client, state: str) -> list[int]:
    html = client.get(BOARD, {"year": 2028}).content.decode()
    row = html.split(f'<tr data-count="{state}">', 1)[1].split("</tr>", 1)[0]
    return [int(n) for n in re.findall(r'<td class="text-end">(\d+)</td>', row)]


def submit(period: ReportingPeriod, acronym: str, user: User) -> None:
    report = report_of(period, acronym)
    fill(report, user, physical="300", budget="100")
    report_submit(report=report, by=user)


def test_the_board_shows_each_opds_state_per_quarter_as_the_quarter_goes_on(
    instrument: Instrument,
    as_secretariat: Client,
    secretariat: User,
    opd_operator: User,
    other_opd_operator: User,
) -> None:
    assert grid(as_secretariat)["Dinsos"] == {q: ("scheduled", False) for q in (1, 2, 3, 4)}
    q1 = open_quarter(instrument, 1)
    board = grid(as_secretariat)
    assert board["Dinsos"][1] == ("not_started", False) and board["Disdik"][2] == (
        "scheduled",
        False,
    )
    fill(report_of(q1, "Dinsos"), opd_operator, physical="250")
    assert grid(as_secretariat)["Dinsos"][1] == ("draft", False)
    submit(q1, "Dinsos", opd_operator)
    submit(q1, "Disdik", other_opd_operator)
    assert {k: v[1] for k, v in grid(as_secretariat).items()} == {
        "Dinsos": ("submitted", False),
        "Disdik": ("submitted", False),
    }
    report_verify(report=report_of(q1, "Dinsos"), by=secretariat, decision="accept")
    report_verify(
        report=report_of(q1, "Disdik"), by=secretariat, decision="return", comment="Cek SP2D"
    )
    assert {k: v[1] for k, v in grid(as_secretariat).items()} == {
        "Dinsos": ("accepted", False),
        "Disdik": ("returned", False),
    }
    assert counts(as_secretariat, "accepted") == [1, 0, 0, 0]
    assert counts(as_secretariat, "returned") == [1, 0, 0, 0]
    assert counts(as_secretariat, "scheduled") == [0, 2, 2, 2]
    # After the due date the returned report is late (marked), the accepted one is not.
    with time_machine.travel(at(q1.due_on + timedelta(days=1)), tick=False):
        later = login(secretariat)  # a session of that day
        board = grid(later)
        assert board["Disdik"][1] == ("returned", True)
        assert board["Dinsos"][1] == ("accepted", False)
        assert counts(later, "late") == [1, 0, 0, 0]
    # Each cell links to its report page (when that page exists).
    try:
        url = reverse("monitoring:report", args=[report_of(q1, "Disdik").pk])
    except NoReverseMatch:
        url = ""
    if url:
        assert f'href="{url}"' in as_secretariat.get(BOARD, {"year": 2028}).content.decode()


def test_the_board_filters_by_quarter_state_and_opd_name(
    instrument: Instrument, as_secretariat: Client, opd_operator: User
) -> None:
    q1 = open_quarter(instrument, 1)
    submit(q1, "Dinsos", opd_operator)
    assert set(grid(as_secretariat, quarter=1)["Dinsos"]) == {1}
    assert set(grid(as_secretariat, state="submitted")) == {"Dinsos"}
    assert set(grid(as_secretariat, state="not_started")) == {"Disdik"}
    assert set(grid(as_secretariat, opd="pendidikan")) == {"Disdik"}  # by the full name
    assert set(grid(as_secretariat, opd="dinsos")) == {"Dinsos"}


def test_an_opd_sees_only_its_own_line_and_an_outsider_is_refused_everywhere(
    instrument: Instrument, as_opd: Client, as_outsider: Client, secretariat: User
) -> None:
    q1 = open_quarter(instrument, 1)
    assert set(grid(as_opd)) == {"Dinsos"}
    csv_text = as_opd.get(BOARD, {"year": 2028, "format": "csv"}).content.decode()
    assert "Disdik" not in csv_text and "Dinsos" in csv_text
    assert as_opd.get(reverse("monitoring:matriks2", args=[2028, 1])).status_code == 403
    assert as_opd.post(reverse("monitoring:period_lock", args=[q1.pk])).status_code == 403
    item = follow_up_create(
        period=q1,
        by=secretariat,
        text="Sinkronkan data KJP",
        owner=Organisation.objects.get(acronym="Disdik"),
        due_on=q1.due_on,
        source="meeting",
    )
    close = reverse("monitoring:follow_up_close", args=[item.pk])
    assert (
        as_opd.post(
            close, {f"close{item.pk}-note": "x", f"close{item.pk}-lock_version": 0}
        ).status_code
        == 404
    )
    gets = [
        BOARD,
        f"{BOARD}?format=xlsx",
        reverse("monitoring:board_chair"),
        reverse("monitoring:follow_ups"),
        reverse("monitoring:matriks2", args=[2028, 1]),
    ]
    for url in gets:
        assert as_outsider.get(url).status_code == 404, url
    posts = [
        reverse("monitoring:period_lock", args=[q1.pk]),
        reverse("monitoring:period_reopen", args=[q1.pk]),
        reverse("monitoring:follow_ups"),
        close,
    ]
    for url in posts:
        assert as_outsider.post(url, {"period": q1.pk}).status_code == 404, url
    assert Client().get(BOARD).status_code == 302  # anonymous: to the login page
    q1.refresh_from_db()
    assert q1.state == PeriodState.OPEN
    assert FollowUp.objects.get(pk=item.pk).status == FollowUpStatus.OPEN


def test_the_board_exports_open_as_csv_and_xlsx_with_the_grid_and_no_formulas(
    instrument: Instrument, as_secretariat: Client, opd_operator: User
) -> None:
    Organisation.objects.filter(acronym="Disdik").update(name="=HYPERLINK(1)")
    q1 = open_quarter(instrument, 1)
    submit(q1, "Dinsos", opd_operator)
    response = as_secretariat.get(BOARD, {"year": 2028, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(lines) == 8
    first = {(r["opd"], r["quarter"]): r for r in lines}
    assert first[("Dinsos", "1")]["state"] == "submitted"
    assert first[("Disdik", "1")]["state"] == "not_started"
    assert first[("Disdik", "2")]["state"] == "scheduled"
    assert first[("Disdik", "1")]["opd_name"] == "'=HYPERLINK(1)"

    response = as_secretariat.get(BOARD, {"year": 2028, "format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=5, values_only=True)}
    assert set(rows) == {"Dinsos", "Disdik"}
    assert rows["Dinsos"][2] == 1  # instrument rows, a number
    assert rows["Disdik"][1] == "'=HYPERLINK(1)"
    assert all(isinstance(v, str) and v for v in rows["Dinsos"][3:7])
    assert rows["Dinsos"][3] != rows["Disdik"][3]  # submitted vs not started
    counts_sheet = book.worksheets[1]
    numbers = [r[1] for r in counts_sheet.iter_rows(min_row=2, values_only=True)]
    assert sum(numbers[:-1]) == 2  # every OPD counted once in TW I (the last line: late)


def test_the_lock_is_refused_before_every_report_is_accepted_and_done_after(
    instrument: Instrument,
    as_secretariat: Client,
    secretariat: User,
    opd_operator: User,
    other_opd_operator: User,
) -> None:
    q1 = open_quarter(instrument, 1)
    lock = reverse("monitoring:period_lock", args=[q1.pk])
    with time_machine.travel(at(q1.due_on), tick=False):
        response = login(secretariat).post(lock, follow=True)
        assert q1.locks_on.isoformat() in response.content.decode()  # the refusal names the date
    q1.refresh_from_db()
    assert q1.state == PeriodState.OPEN
    for acronym, user in (("Dinsos", opd_operator), ("Disdik", other_opd_operator)):
        submit(q1, acronym, user)
        report_verify(report=report_of(q1, acronym), by=secretariat, decision="accept")
    with time_machine.travel(at(q1.due_on), tick=False):
        assert login(secretariat).post(lock).status_code == 302
    q1.refresh_from_db()
    assert q1.state == PeriodState.LOCKED
    assert (
        'data-testid="reopen-form-1"' in as_secretariat.get(BOARD, {"year": 2028}).content.decode()
    )


def test_a_reopening_needs_a_reason_and_is_recorded_on_the_board(  # noqa: PLR0917 (fixtures)
    instrument: Instrument,
    as_secretariat: Client,
    as_opd: Client,
    secretariat: User,
    opd_operator: User,
    other_opd_operator: User,
) -> None:
    q1 = open_quarter(instrument, 1)
    for acronym, user in (("Dinsos", opd_operator), ("Disdik", other_opd_operator)):
        submit(q1, acronym, user)
        report_verify(report=report_of(q1, acronym), by=secretariat, decision="accept")
    period_lock(period=q1, by=secretariat)
    reopen = reverse("monitoring:period_reopen", args=[q1.pk])
    prefix = f"reopen{q1.pk}"
    refused = as_secretariat.post(reopen, {f"{prefix}-reason": "   "})
    assert refused.status_code == 400
    q1.refresh_from_db()
    assert (q1.state, q1.reopen_log) == (PeriodState.LOCKED, [])
    assert as_opd.post(reopen, {f"{prefix}-reason": "koreksi"}).status_code == 403
    dinsos = Organisation.objects.get(acronym="Dinsos")
    until = (timezone.localdate() + timedelta(days=10)).isoformat()
    done = as_secretariat.post(
        reopen,
        {
            f"{prefix}-reason": "Koreksi data BPKD",
            f"{prefix}-opd": dinsos.pk,
            f"{prefix}-until": until,
        },
    )
    assert done.status_code == 302
    q1.refresh_from_db()
    assert q1.state == PeriodState.OPEN
    assert q1.reopen_log[-1]["reason"] == "Koreksi data BPKD"
    assert q1.reopen_log[-1]["opd"] == "Dinsos"
    board = grid(as_secretariat)
    assert board["Dinsos"][1][0] == "returned" and board["Disdik"][1][0] == "accepted"
    page = as_secretariat.get(BOARD, {"year": 2028}).content.decode()
    log = page.split('data-testid="reopen-log-1"', 1)[1].split("</ul>", 1)[0]
    assert "Koreksi data BPKD" in log and 'data-by="rina"' in log


def test_the_chair_sees_completeness_late_opds_and_achievement_from_accepted_data(
    instrument: Instrument,
    secretariat: User,
    opd_operator: User,
    other_opd_operator: User,
) -> None:
    from tkpk.core.roles import Role  # noqa: PLC0415
    from tkpk.monitoring.tests.factories import user_with_role  # noqa: PLC0415

    ketua_user = user_with_role("ketua.uji", Role.KETUA)
    q1 = open_quarter(instrument, 1)
    submit(q1, "Dinsos", opd_operator)  # 300 of 300: 100 %
    report_verify(report=report_of(q1, "Dinsos"), by=secretariat, decision="accept")
    report = report_of(q1, "Disdik")
    fill(report, other_opd_operator, physical="250", budget="1")  # submitted, not accepted
    report_submit(report=report, by=other_opd_operator)
    with time_machine.travel(at(q1.due_on + timedelta(days=2)), tick=False):
        html = (
            login(ketua_user)
            .get(reverse("monitoring:board_chair"), {"year": 2028})
            .content.decode()
        )
    quarter = html.split('data-testid="chair-quarter-1"', 1)[1][:200]
    assert 'data-accepted-pct="50.00"' in quarter and 'data-reported-pct="100.00"' in quarter
    opds = html.split('data-testid="chair-opds"', 1)[1]
    dinsos = opds.split('<tr data-opd="Dinsos">', 1)[1].split("</tr>", 1)[0]
    disdik = opds.split('<tr data-opd="Disdik">', 1)[1].split("</tr>", 1)[0]
    assert 'data-quarter="1" data-achievement="100.00"' in dinsos
    assert 'data-quarter="1" data-achievement=""' in disdik  # not accepted: not counted


def test_follow_ups_are_recorded_closed_by_their_owner_and_carried_into_the_next_quarter(
    instrument: Instrument,
    as_secretariat: Client,
    as_opd: Client,
    secretariat: User,
    other_opd_operator: User,
) -> None:
    q1 = open_quarter(instrument, 1)
    url = reverse("monitoring:follow_ups")
    created = as_secretariat.post(
        url,
        {
            "period": q1.pk,
            "text": "Sinkronkan data KJP dengan DTSEN",
            "owner": Organisation.objects.get(acronym="Disdik").pk,
            "due_on": q1.due_on.isoformat(),
            "source": "meeting",
        },
    )
    assert created.status_code == 302
    for text in ("Percepat verifikasi penerima", "Perbarui daftar KLJ"):
        as_secretariat.post(
            url,
            {
                "period": q1.pk,
                "text": text,
                "owner": Organisation.objects.get(acronym="Dinsos").pk,
                "due_on": q1.due_on.isoformat(),
                "source": "report",
            },
        )
    refused = as_secretariat.post(url, {"period": q1.pk, "text": "Tanpa pemilik"})
    assert refused.status_code == 400 and "Tanpa pemilik" in refused.content.decode()
    assert as_opd.post(url, {"period": q1.pk, "text": "x"}).status_code == 403
    kjp, verify, klj = FollowUp.objects.order_by("id")

    def listed(client: Client, **params: object) -> set[int]:
        html = client.get(url, {"year": 2028, "quarter": 1, **params}).content.decode()
        return {int(pk) for pk in re.findall(r'data-follow-up="(\d+)"', html)}

    assert listed(as_opd) == {verify.pk, klj.pk}  # not Disdik's item
    disdik = login(other_opd_operator)
    assert listed(disdik) == {kjp.pk}
    prefix = f"close{kjp.pk}"
    close = reverse("monitoring:follow_up_close", args=[kjp.pk])
    empty = disdik.post(close, {f"{prefix}-note": "", f"{prefix}-lock_version": kjp.lock_version})
    assert empty.status_code == 400
    assert (
        disdik.post(
            close,
            {f"{prefix}-note": "Data disinkronkan", f"{prefix}-lock_version": kjp.lock_version},
        ).status_code
        == 302
    )
    kjp.refresh_from_db()
    assert (kjp.status, kjp.closing_note) == (FollowUpStatus.CLOSED, "Data disinkronkan")
    # A stale close (read before someone else changed the item) is refused, the note kept.
    prefix = f"close{verify.pk}"
    close = reverse("monitoring:follow_up_close", args=[verify.pk])
    stale = as_opd.post(
        close,
        {f"{prefix}-note": "Sudah diverifikasi", f"{prefix}-lock_version": verify.lock_version - 1},
    )
    assert stale.status_code == 400 and "Sudah diverifikasi" in stale.content.decode()
    assert FollowUp.objects.get(pk=verify.pk).status == FollowUpStatus.OPEN
    with time_machine.travel(at(q1.due_on + timedelta(days=1)), tick=False):
        later = login(secretariat)
        assert listed(later, status="overdue") == {verify.pk, klj.pk}
        assert listed(later, status="closed") == {kjp.pk}
    # The next quarter opens: the open items move into it, counted as carried.
    q2 = period_open(period=instrument.periods.get(quarter=2), by=None)
    html = as_secretariat.get(url, {"year": 2028, "quarter": 2}).content.decode()
    carried = dict(re.findall(r'data-follow-up="(\d+)"[^>]*data-carried="(\d+)"', html))
    assert carried == {str(verify.pk): "1", str(klj.pk): "1"}
    assert set(FollowUp.objects.filter(period=q2).values_list("pk", flat=True)) == {
        verify.pk,
        klj.pk,
    }
