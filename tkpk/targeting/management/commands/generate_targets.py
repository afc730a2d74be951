from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tkpk.targeting.synthetic import targets_generate, targets_write


class Command(BaseCommand):
    help = (
        "Write a deterministic synthetic registry and beneficiary list with ground truth: "
        "generate_targets --persons N --beneficiaries M --seed S --out DIR. Files: "
        "registry.{parquet,csv}, beneficiaries.{parquet,csv}, truth.csv."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=int, required=True)
        parser.add_argument("--beneficiaries", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--out", type=Path, required=True, help="directory to write")
        parser.add_argument(
            "--format",
            nargs="+",
            choices=["parquet", "csv"],
            default=["parquet", "csv"],
            help="file formats for registry and beneficiaries (truth is always CSV)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["persons"] < 1 or options["beneficiaries"] < 0:
            raise CommandError("--persons must be positive and --beneficiaries not negative")
        targets = targets_generate(
            persons=options["persons"],
            beneficiaries=options["beneficiaries"],
            seed=options["seed"],
        )
        written = targets_write(targets, out_dir=options["out"], formats=tuple(options["format"]))
        matched = targets.truth["registry_id"].is_not_null().sum()
        self.stdout.write(
            f"{targets.registry.height} persons in "
            f"{targets.registry['household_id'].n_unique()} households, "
            f"{targets.beneficiaries.height} beneficiaries ({matched} in the registry) → "
            + ", ".join(str(p) for p in written)
        )
