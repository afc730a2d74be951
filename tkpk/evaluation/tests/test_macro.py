from __future__ import annotations

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tkpk.accounts.models import User
from tkpk.evaluation.models import MacroTarget, MacroValue
from tkpk.evaluation.selectors import macro_achievement, macro_series
from tkpk.evaluation.services import (
    bps_poverty_load,
    macro_import_csv,
    macro_microdata_import,
)

pytestmark = pytest.mark.django_db
D = Decimal
HEADER = "wilayah_kode,wilayah_nama,periode,indikator,nilai,satuan,sumber\n"


def write(tmp_path: Path, text: str, name: str = "makro.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_macro_csv_is_imported_with_indicator_aliases_and_periods(
    tmp_path: Path, secretariat: User
) -> None:
    path = write(
        tmp_path,
        HEADER
        + "31,DKI Jakarta,2026-03,P0,4.10,persen,BPS uji\n"
        + "31.72,Jakarta Utara,2026-03,jumlah_penduduk_miskin,120000,jiwa,BPS uji\n"
        + "31,DKI Jakarta,2026,gini,0.44,rasio,BPS uji\n",
    )
    result = macro_import_csv(path=path, by=secretariat)
    assert result.ok and result.created == 3
    p0 = MacroValue.objects.get(indicator__code="P0", region_id="31", year=2026)
    assert (p0.value, p0.period, p0.month) == (D("4.1"), "Maret", 3)
    poor = MacroValue.objects.get(indicator__code="poor_population", region_id="31.72")
    assert poor.value == D(120000)
    assert MacroValue.objects.get(indicator__code="gini").period == ""


def test_a_semicolon_csv_with_decimal_commas_as_excel_saves_it_in_indonesian(
    tmp_path: Path, secretariat: User
) -> None:
    path = write(
        tmp_path,
        HEADER.replace(",", ";") + "31;DKI Jakarta;2026-09;P0;4,05;persen;BPS uji\n",
    )
    result = macro_import_csv(path=path, by=secretariat)
    assert result.ok and result.created == 1
    assert MacroValue.objects.get(indicator__code="P0", year=2026).value == D("4.05")


def test_a_macro_csv_with_one_bad_row_saves_nothing_and_names_each_bad_line(
    tmp_path: Path, secretariat: User
) -> None:
    path = write(
        tmp_path,
        HEADER
        + "31,DKI Jakarta,2026-03,P0,4.10,persen,BPS uji\n"
        + "99.99,Entah,2026-03,P0,4.10,persen,BPS uji\n"
        + "31,DKI Jakarta,2026-13,P0,abc,persen,\n"
        + "31,DKI Jakarta,2026-03,bukan_indikator,1,persen,BPS uji\n"
        + "31,DKI Jakarta,2026-03,P0,4.20,persen,BPS uji\n",
    )
    result = macro_import_csv(path=path, by=secretariat)
    assert not result.ok
    assert [e.line for e in result.errors] == [3, 4, 5, 6]
    assert "periode" in result.errors[1].message and "sumber" in result.errors[1].message
    assert "duplikat" in result.errors[3].message
    assert not MacroValue.objects.exists()


def test_loading_the_bps_series_twice_changes_nothing_the_second_time() -> None:
    first = bps_poverty_load()
    assert first.ok and first.created == 64
    values, targets = MacroValue.objects.count(), MacroTarget.objects.count()
    out = StringIO()
    call_command("load_bps_poverty", stdout=out)
    assert "0 created, 0 updated, 64 unchanged" in out.getvalue()
    assert (MacroValue.objects.count(), MacroTarget.objects.count()) == (values, targets)
    p0 = macro_series(indicator_code="P0", region_code="31")
    assert [p["label"] for p in p0[-2:]] == ["Maret 2025", "September 2025"]
    assert p0[-1]["value"] == D("4.03") and p0[-1]["target"] == D("3.85")


def test_macro_achievement_compares_the_latest_value_of_the_year_with_its_target() -> None:
    bps_poverty_load()
    rows = {(r["region"], r["indicator"]): r for r in macro_achievement(year=2025)}
    p0 = rows[("31", "P0")]
    # Lower is better: (2·3.85 − 4.03) / 3.85 × 100 = 95.32 (September, the latest round).
    assert (p0["value"], p0["period"], p0["achievement"]) == (D("4.03"), "September", D("95.32"))
    assert p0["predicate"]["short"] == "ST"
    gini = rows[("31", "gini")]
    assert gini["achievement"] == D("97.44")  # (0.86 − 0.441) / 0.43


def test_microdata_give_p0_p1_p2_per_region_as_macro_values(
    tmp_path: Path, secretariat: User
) -> None:
    path = write(
        tmp_path,
        "expenditure,weight,region\n50,2,31.72\n80,1,31.72\n100,1,31.73\n150,4,31.73\n",
        "mikro.csv",
    )
    result = macro_microdata_import(
        path=path, year=2026, month=3, poverty_line=D(100), region_code="31", by=secretariat
    )
    assert result.ok
    values = {
        (v.region_id, v.indicator.code): v.value
        for v in MacroValue.objects.select_related("indicator")
    }
    assert values[("31", "P0")] == D("37.5")
    assert values[("31", "P1")] == D("15")
    assert values[("31", "P2")] == D("6.75")
    assert values[("31.72", "P0")] == D("100")  # both persons of Jakarta Utara are poor
    assert values[("31.73", "P0")] == D("0")
    assert set(MacroValue.objects.values_list("source", flat=True)) == {"microdata"}


def test_microdata_with_a_bad_row_save_nothing(tmp_path: Path, secretariat: User) -> None:
    path = write(tmp_path, "pengeluaran_per_kapita,bobot\n50,2\n80,-1\n", "mikro.csv")
    result = macro_microdata_import(
        path=path, year=2026, month=3, poverty_line=D(100), region_code="31", by=secretariat
    )
    assert [e.line for e in result.errors] == [3]
    assert not MacroValue.objects.exists()


def test_loading_restores_missing_seeded_rows_and_keeps_edited_ones(reference: None) -> None:
    from tkpk.evaluation.models import MacroIndicator, PredicateBand  # noqa: PLC0415

    PredicateBand.objects.filter(short="ST").update(label="Istimewa")
    PredicateBand.objects.exclude(short="ST").delete()
    MacroIndicator.objects.filter(code="gini").delete()
    bps_poverty_load()
    assert PredicateBand.objects.count() == 5
    assert PredicateBand.objects.get(short="ST").label == "Istimewa"  # the secretariat's edit
    assert MacroIndicator.objects.filter(code="gini").exists()
