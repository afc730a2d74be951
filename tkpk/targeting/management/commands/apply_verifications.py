from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tkpk.targeting.models import Release
from tkpk.targeting.services_verification import release_apply_verifications


class Command(BaseCommand):
    help = (
        "Build the next list from a release and its submitted musyawarah decisions "
        "(a new derived release; each decision is applied once)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("release_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        release = Release.objects.filter(pk=options["release_id"]).first()
        if release is None:
            raise CommandError(f"no release {options['release_id']}")
        try:
            derived = release_apply_verifications(release=release, by=None)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            f"release {derived.pk} ({derived}) derived from {derived.derived_from_id}: "
            f"{derived.persons} persons, {derived.households} households"
        )
