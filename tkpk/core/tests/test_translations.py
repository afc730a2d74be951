from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "id" / "LC_MESSAGES" / "django.po"


def _entries(text: str) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) for each entry of a .po file, plural forms folded."""
    entries = []
    for block in text.split("\n\n"):
        fuzzy = "#, fuzzy" in block
        ids = re.findall(r'^msgid "(.*)"((?:\n".*")*)', block, re.M)
        strs = re.findall(r'^msgstr(?:\[0\])? "(.*)"((?:\n".*")*)', block, re.M)
        if ids and strs:
            msgid = ids[0][0] + "".join(re.findall(r'"(.*)"', ids[0][1]))
            msgstr = strs[0][0] + "".join(re.findall(r'"(.*)"', strs[0][1]))
            entries.append((msgid, msgstr, fuzzy))
    return entries


def test_every_interface_text_has_an_indonesian_translation() -> None:
    entries = [e for e in _entries(PO.read_text(encoding="utf-8")) if e[0]]
    assert len(entries) > 150
    missing = [msgid for msgid, msgstr, fuzzy in entries if not msgstr or fuzzy]
    assert missing == []


def test_placeholders_survive_translation() -> None:
    for msgid, msgstr, _fuzzy in _entries(PO.read_text(encoding="utf-8")):
        if msgid:
            assert sorted(re.findall(r"%\(\w+\)s", msgid)) == sorted(
                re.findall(r"%\(\w+\)s", msgstr)
            ), msgid
