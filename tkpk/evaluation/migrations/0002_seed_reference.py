"""Seed the predicate scale (processes.md §4) and the BPS macro poverty indicators."""

from decimal import Decimal

from django.db import migrations

BANDS = [
    # minimum, maximum, label, short, order, colour
    (Decimal(91), None, "Sangat Tinggi", "ST", 1, "#198754"),
    (Decimal(76), Decimal(90), "Tinggi", "T", 2, "#20c997"),
    (Decimal(66), Decimal(75), "Sedang", "S", 3, "#ffc107"),
    (Decimal(51), Decimal(65), "Rendah", "R", 4, "#fd7e14"),
    (None, Decimal(50), "Sangat Rendah", "SR", 5, "#dc3545"),
]

INDICATORS = [
    # code, name, unit, direction, order, aliases in the BPS file
    ("P0", "Persentase penduduk miskin (P0)", "persen", "lower", 1, []),
    ("poor_population", "Jumlah penduduk miskin", "jiwa", "lower", 2, ["jumlah_penduduk_miskin"]),
    ("P1", "Indeks Kedalaman Kemiskinan (P1)", "indeks", "lower", 3, []),
    ("P2", "Indeks Keparahan Kemiskinan (P2)", "indeks", "lower", 4, []),
    (
        "poverty_line",
        "Garis kemiskinan",
        "rupiah/kapita/bulan",
        "higher",
        5,
        ["garis_kemiskinan"],
    ),
    ("gini", "Rasio Gini", "rasio", "lower", 6, []),
    ("extreme_poverty", "Persentase penduduk miskin ekstrem", "persen", "lower", 7,
     ["kemiskinan_ekstrem"]),
    ("extreme_poor_population", "Jumlah penduduk miskin ekstrem", "jiwa", "lower", 8,
     ["jumlah_penduduk_miskin_ekstrem"]),
]


def seed(apps, schema_editor):
    PredicateBand = apps.get_model("evaluation", "PredicateBand")
    MacroIndicator = apps.get_model("evaluation", "MacroIndicator")
    for minimum, maximum, label, short, order, colour in BANDS:
        PredicateBand.objects.update_or_create(
            short=short,
            defaults={
                "minimum": minimum,
                "maximum": maximum,
                "label": label,
                "ordering": order,
                "colour": colour,
            },
        )
    for code, name, unit, direction, order, aliases in INDICATORS:
        MacroIndicator.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "unit": unit,
                "direction": direction,
                "ordering": order,
                "aliases": aliases,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
