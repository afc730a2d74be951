from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from conftest import login
from tkpk.accounts.models import User
from tkpk.core.roles import Role
from tkpk.evaluation.models import DashboardSnapshot, MacroIndicator, MacroValue
from tkpk.evaluation.selectors_dashboard import Table
from tkpk.evaluation.services import (
    dashboard_refresh,
    dashboard_stale_years,
    macro_import_csv,
)
from tkpk.monitoring.models import Instrument
from tkpk.monitoring.tests.factories import user_with_role

pytestmark = pytest.mark.django_db
YEAR = 2028
URL = reverse("evaluation:dashboard")


def page(client: Client, **params: str) -> str:
    response = client.get(URL, {"year": str(YEAR), **params})
    assert response.status_code == 200
    return response.content.decode()


def csv_rows(client: Client, section: str, **params: str) -> list[list[str]]:
    response = client.get(
        reverse("evaluation:dashboard_csv", args=[section]), {"year": str(YEAR), **params}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))


def _add_p0_march_2027() -> None:
    MacroValue.objects.create(
        indicator=MacroIndicator.objects.get(code="P0"),
        region_id="31",
        year=2027,
        period="Maret",
        month=3,
        value=Decimal("3.9"),
        source="BPS uji",
    )


def test_the_secretariat_sees_every_section_with_its_charts(
    computed: Instrument, as_secretariat: Client
) -> None:
    html = page(as_secretariat)
    for section in ("macro", "achievement", "completeness", "tasks"):
        assert f'data-testid="section-{section}"' in html
    for chart in ("chart-macro-P0", "chart-achievement-opd", "chart-achievement-klaster"):
        assert f'id="{chart}"' in html
    assert 'id="dashboard-charts"' in html and 'data-testid="dashboard-refresh"' in html
    opd = {r[0]: r for r in csv_rows(as_secretariat, "achievement-opd")[1:]}
    assert set(opd) == {"Dinsos", "Disdik"} and opd["Dinsos"][2] == "20"


@pytest.mark.parametrize("role", [Role.KETUA, Role.GUBERNUR, Role.TIM_PENYUSUN])
def test_the_chair_the_governor_and_the_drafting_team_see_all_programmes(
    computed: Instrument, role: Role
) -> None:
    client = login(user_with_role(f"user-{role}", role))
    html = page(client)
    assert 'data-testid="section-achievement"' in html
    assert 'data-testid="dashboard-refresh"' not in html
    assert {r[0] for r in csv_rows(client, "achievement-opd")[1:]} == {"Dinsos", "Disdik"}
    assert client.post(reverse("evaluation:dashboard_refresh"), {"year": YEAR}).status_code == 403


def test_an_opd_sees_only_its_own_programmes(computed: Instrument, as_opd: Client) -> None:
    html = page(as_opd)
    assert 'data-testid="section-achievement"' in html
    assert {r[0] for r in csv_rows(as_opd, "achievement-opd")[1:]} == {"Dinsos"}
    assert [r[0] for r in csv_rows(as_opd, "achievement-indicator")[1:]] == ["P1.1.1"]
    completeness = csv_rows(as_opd, "completeness")
    assert sum(int(c) for c in completeness[1][1:7]) == 1  # only its own report of TW I
    # Its klaster averages are of its own rows, even in a klaster shared with other OPDs.
    klaster = csv_rows(as_opd, "achievement-klaster")[1:]
    assert [int(r[1]) for r in klaster] == [1] and klaster[0][2] == "20"


def test_a_wilayah_user_sees_its_region_and_no_programme_rows(
    computed: Instrument, as_verifier: Client
) -> None:
    html = page(as_verifier)
    assert 'data-testid="section-macro"' in html
    assert 'data-testid="section-achievement"' not in html
    # The kelurahan lies in Jakarta Barat: its kota's macro series is shown.
    assert "Jakarta Barat" in html
    # The P0 table per kota lists its own kota too.
    assert [r[0] for r in csv_rows(as_verifier, "macro-regions")[1:]] == [
        "Kota Administrasi Jakarta Barat"
    ]
    response = as_verifier.get(reverse("evaluation:dashboard_csv", args=["achievement-opd"]))
    assert response.status_code == 404


def test_an_outsider_is_refused_everywhere(computed: Instrument, as_outsider: Client) -> None:
    assert as_outsider.get(URL).status_code == 403
    assert (
        as_outsider.get(reverse("evaluation:dashboard_csv", args=["macro-P0"])).status_code == 403
    )
    assert as_outsider.post(reverse("evaluation:dashboard_refresh")).status_code == 403
    assert as_outsider.get(reverse("evaluation:macro_data")).status_code == 403


def test_drilling_down_to_a_kota_shows_its_own_series(
    computed: Instrument, as_secretariat: Client
) -> None:
    html = page(as_secretariat)
    assert 'data-testid="drill-31.72"' in html
    rows = csv_rows(as_secretariat, "macro-P0", region="31.72")
    assert rows[1][:2] == ["Maret 2023", "6.78"] and rows[2][:2] == ["Maret 2024", "6.44"]
    province = csv_rows(as_secretariat, "macro-P0")
    assert len(province) > len(rows)
    # Below the province, sections that are not regional say so.
    assert 'data-testid="not-regional-achievement"' not in html
    kota = page(as_secretariat, region="31.72")
    assert 'data-testid="not-regional-achievement"' in kota
    assert 'data-testid="not-regional-macro"' not in kota


def test_the_page_shows_new_data_only_after_the_snapshot_is_refreshed(
    computed: Instrument, as_secretariat: Client, tmp_path: object, secretariat: User
) -> None:
    assert "Maret 2027" not in page(as_secretariat)
    _add_p0_march_2027()
    assert YEAR in dashboard_stale_years()
    assert "Maret 2027" not in page(as_secretariat)  # the page reads the snapshot only
    dashboard_refresh(year=YEAR)
    assert "Maret 2027" in page(as_secretariat)
    assert YEAR not in dashboard_stale_years()


def test_the_refresh_button_queues_a_recomputation(
    computed: Instrument, as_secretariat: Client, django_capture_on_commit_callbacks: object
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = as_secretariat.post(reverse("evaluation:dashboard_refresh"), {"year": YEAR})
    assert response.status_code == 302
    assert DBTaskResult.objects.filter(task_path__endswith="dashboard_refresh_task").exists()


def test_csv_downloads_neutralise_formulas(
    computed: Instrument, as_secretariat: Client, secretariat: User, tmp_path: object
) -> None:
    from pathlib import Path  # noqa: PLC0415

    path = Path(str(tmp_path)) / "m.csv"
    path.write_text(
        'wilayah_kode,periode,indikator,nilai,sumber\n31,2027-03,P0,3.9,=HYPERLINK("x")\n',
        encoding="utf-8",
    )
    assert macro_import_csv(path=path, by=secretariat).ok
    dashboard_refresh(year=YEAR)
    rows = csv_rows(as_secretariat, "macro-P0")
    sources = [r[3] for r in rows[1:]]
    assert '\'=HYPERLINK("x")' in sources
    assert not any(s.startswith("=") for s in sources)


def test_the_snapshot_holds_every_section(computed: Instrument) -> None:
    keys = set(DashboardSnapshot.objects.filter(year=YEAR).values_list("key", flat=True))
    assert keys == {"macro", "achievement", "completeness", "coverage", "tasks"}


def test_the_periodic_job_queues_a_refresh_only_for_years_whose_inputs_changed(
    computed: Instrument,
) -> None:
    from tkpk.core.scheduler import PERIODIC_JOBS  # noqa: PLC0415
    from tkpk.evaluation.tasks import dashboard_tick_task  # noqa: PLC0415

    assert any(j.name == "evaluation.dashboard" for j in PERIODIC_JOBS)
    for year in dashboard_tick_task.call():
        dashboard_refresh(year=year)
    assert YEAR not in dashboard_tick_task.call()
    DBTaskResult.objects.all().delete()
    MacroValue.objects.filter(year=2025).update(value=Decimal("4.5"))
    assert YEAR in dashboard_tick_task.call()
    assert DBTaskResult.objects.filter(task_path__endswith="dashboard_refresh_task").exists()


def test_the_secretariat_uploads_macro_values_and_sees_errors_per_line(
    reference: None,
    as_secretariat: Client,
    as_opd: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: PLC0415

    url = reverse("evaluation:macro_data")
    assert as_opd.get(url).status_code == 403
    bad = b"wilayah_kode,periode,indikator,nilai,sumber\n31,2027-03,P0,x,BPS\n"
    response = as_secretariat.post(url, {"csv-file": SimpleUploadedFile("m.csv", bad)})
    assert response.status_code == 200 and 'data-line="2"' in response.content.decode()
    assert not MacroValue.objects.exists()
    good = b"wilayah_kode,periode,indikator,nilai,sumber\n31,2027-03,P0,3.9,BPS\n"
    queued = DBTaskResult.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_secretariat.post(url, {"csv-file": SimpleUploadedFile("m.csv", good)})
    assert response.status_code == 302
    # The dashboard of every year whose inputs changed is recomputed in the worker.
    assert DBTaskResult.objects.count() > queued
    assert MacroValue.objects.get().value == Decimal("3.9")
    micro = b"expenditure,weight\n50,2\n80,1\n100,1\n150,4\n"
    response = as_secretariat.post(
        url,
        {
            "micro-file": SimpleUploadedFile("p.csv", micro),
            "micro-year": "2027",
            "micro-month": "9",
            "micro-poverty_line": "100",
            "micro-region": "31",
        },
    )
    assert response.status_code == 302
    assert MacroValue.objects.get(indicator__code="P1", source="microdata").value == Decimal(15)


def test_a_repeated_view_is_served_from_the_cache_until_the_figures_are_recomputed(
    computed: Instrument, as_secretariat: Client, django_assert_max_num_queries: Any
) -> None:
    first = page(as_secretariat)
    # The second view reads no snapshot payload: only session, user, roles, menu and the
    # snapshots' versions.
    with django_assert_max_num_queries(12) as queries:
        second = page(as_secretariat)
    assert not any('"payload"' in q["sql"] for q in queries.captured_queries)
    assert second.count('data-testid="section-') == first.count('data-testid="section-') > 3
    # Recomputed figures reach the page at once (the cache is keyed on the snapshot versions).
    _add_p0_march_2027()
    assert "Maret 2027" not in second
    dashboard_refresh(year=YEAR)
    assert "Maret 2027" in page(as_secretariat)


def test_the_cache_never_shows_one_users_figures_to_another(
    computed: Instrument, as_secretariat: Client, as_opd: Client
) -> None:
    everyone = {r[0] for r in csv_rows(as_secretariat, "achievement-opd")[1:]}
    assert everyone == {"Dinsos", "Disdik"}
    page(as_secretariat)  # cached for the province-wide scope
    html = page(as_opd)
    assert 'data-testid="dashboard-refresh"' not in html
    assert ">Disdik<" not in html.split('data-testid="section-achievement"')[1]


def test_the_trends_show_each_quarter_and_year_with_an_overall_row_for_the_province(
    computed: Instrument, as_secretariat: Client, as_opd: Client
) -> None:
    quarters = csv_rows(as_secretariat, "achievement-quarters")
    assert quarters[0][1:] == ["TW I", "TW II", "TW III", "TW IV"]
    rows = {r[0]: r[1:] for r in quarters[1:]}
    assert rows["Dinsos"] == ["80", "", "", ""]
    assert rows["Disdik"] == ["", "", "", ""]  # submitted, not accepted
    overall = quarters[1]  # the first row: all programmes together
    assert overall[0] not in ("Dinsos", "Disdik") and overall[1] == "80"
    years = csv_rows(as_secretariat, "achievement-years")
    assert years[0][1:] == [str(YEAR)]
    assert {r[0]: r[1] for r in years[2:]}["Dinsos"] == "20"  # 240 of the annual 1200
    html = page(as_secretariat)
    assert 'id="chart-achievement-quarters"' in html and 'id="chart-achievement-years"' in html
    assert 'data-testid="note-achievement-quarters"' in html  # why quarter ≠ year
    # An OPD sees its own line only, without the province's overall row.
    assert [r[0] for r in csv_rows(as_opd, "achievement-quarters")[1:]] == ["Dinsos"]
    assert [r[0] for r in csv_rows(as_opd, "achievement-years")[1:]] == ["Dinsos"]


def test_tables_show_numbers_in_the_users_language_and_csv_keeps_them_plain(
    computed: Instrument, as_secretariat: Client
) -> None:
    table = Table(
        key="t",
        title="t",
        headers=["Kode", "Nilai", "Pagu"],
        rows=[["31.71", "13.03", "800000000000"]],
        keep=frozenset({0}),
    )
    with translation.override("id"):
        assert table.display_lines[0][1] == ["31.71", "13,03", "800.000.000.000"]
    with translation.override("en"):
        assert table.display_lines[0][1] == ["31.71", "13.03", "800,000,000,000"]
    # The page formats, the CSV stays machine-readable.
    html = page(as_secretariat)
    assert "4.400.000.000.000" in html
    rows = csv_rows(as_secretariat, "achievement-klaster")
    assert rows[1][4] == "4400000000000"


def test_programme_achievement_of_a_quarter_and_per_programme_and_activity(
    computed: Instrument, as_secretariat: Client, as_opd: Client
) -> None:
    year = {r[0]: r for r in csv_rows(as_secretariat, "achievement-opd")[1:]}
    first = {r[0]: r for r in csv_rows(as_secretariat, "achievement-opd", quarter="1")[1:]}
    # Dinsos: 240 of the annual 1200 (20 %) but of TW I's 300 (80 %).
    assert year["Dinsos"][2] == "20" and first["Dinsos"][2] == "80"
    assert csv_rows(as_secretariat, "achievement-opd", quarter="2")[1][2] == ""  # no report yet
    programmes = {r[0]: r[2] for r in csv_rows(as_secretariat, "achievement-programme")[1:]}
    assert programmes == {"Program Dinsos": "20", "Program Disdik": ""}
    activities = [r[0] for r in csv_rows(as_secretariat, "achievement-activity")[1:]]
    assert activities == ["Penyaluran Dinsos", "Penyaluran Disdik"]
    html = page(as_secretariat, quarter="1")
    assert '<option value="1" selected>' in html
    assert "quarter=1" in html.split('data-testid="csv-achievement-opd"')[0].rsplit("<a", 1)[1]
    # Scoped like the year: an OPD sees its own programme only.
    own = [r[0] for r in csv_rows(as_opd, "achievement-programme", quarter="1")[1:]]
    assert own == ["Program Dinsos"]


def test_a_snapshot_written_by_an_earlier_version_is_never_misread(
    computed: Instrument, as_secretariat: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    DashboardSnapshot.objects.filter(year=YEAR, key="achievement").update(
        payload={"years": {"2028": []}, "year": []},
        computed_at=timezone.now(),  # older shape
    )
    html = page(as_secretariat)  # no server error: the section is read as not computed yet
    assert 'data-testid="section-macro"' in html
    assert 'id="chart-achievement-opd"' not in html
    DashboardSnapshot.objects.filter(year=YEAR).update(
        payload={"format": 1},
        computed_at=timezone.now(),  # as written by that version
    )
    html = page(as_secretariat)
    # Read as not computed yet: no figure and no chart from the old payloads.
    assert 'data-testid="dashboard-computed"' in html and "<canvas" not in html
    # A new payload shape makes every year stale, so the periodic job recomputes it.
    from tkpk.evaluation import services  # noqa: PLC0415

    assert YEAR not in dashboard_stale_years()
    monkeypatch.setattr(services, "SNAPSHOT_FORMAT", services.SNAPSHOT_FORMAT + 1)
    assert YEAR in dashboard_stale_years()
