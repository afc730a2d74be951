from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from tkpk.processes.models import ProcessNode, level_for_process_code

CATALOGUE_JSON = Path(__file__).resolve().parent / "data" / "catalogue.json"


@transaction.atomic
def catalogue_load(*, path: Path = CATALOGUE_JSON) -> int:
    """Create or update every catalogue node from the shipped file; returns the node count.

    The file is validated as a whole (code grammar, level, parent) before anything is kept.
    """
    entries = json.loads(path.read_text(encoding="utf-8"))
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        code = entry["code"]
        node = ProcessNode.objects.filter(pk=code).first() or ProcessNode(code=code)
        node.name = entry["name"]
        node.kind = entry["kind"]
        node.level = level_for_process_code(code)
        node.parent_id = entry.get("parent")
        node.source = entry.get("source", "decree")
        node.notes = list(entry.get("notes", []))
        node.references = list(entry.get("references", []))
        if node.parent_id and node.parent_id not in seen:
            raise ValidationError(f"{path.name} entry {index} ({code}): parent must come first")
        try:
            node.full_clean(validate_unique=False)
        except ValidationError as exc:
            raise ValidationError(f"{path.name} entry {index} ({code}): {exc.messages}") from exc
        node.save()
        seen.add(code)
    return len(seen)
