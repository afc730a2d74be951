from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tkpk.processes.models import PROCESS_CODE_RE, ProcessNode, parent_code_for
from tkpk.processes.services import CATALOGUE_JSON, catalogue_load

pytestmark = pytest.mark.django_db


def test_the_catalogue_holds_every_map_of_the_decree_with_valid_codes(reference: None) -> None:
    codes = set(ProcessNode.objects.values_list("code", flat=True))
    expected_cfms = {
        "TKPK-01.01.CFM.01",
        "TKPK-01.02.CFM.01",
        "TKPK-02.01.CFM.01",
        "TKPK-02.02.CFM.01",
        "TKPK-03.01.CFM.01",
        "TKPK-03.02.CFM.01",
        "TKPK-03.03.CFM.01",
    }
    assert expected_cfms <= codes
    assert {"TKPK", "TKPK-01", "TKPK-02", "TKPK-03"} <= codes
    for node in ProcessNode.objects.all():
        assert PROCESS_CODE_RE.match(node.code)
        assert node.parent_id == parent_code_for(node.code)
    rat = ProcessNode.objects.get(pk="TKPK-01.02.CFM.01")
    assert rat.notes and rat.references


def test_a_catalogue_entry_with_a_bad_code_is_refused_whole(tmp_path: Path, db: None) -> None:
    entries = json.loads(CATALOGUE_JSON.read_text(encoding="utf-8"))
    entries.append({"code": "TKPK-04.1", "name": "Salah", "kind": "subprocess", "parent": "TKPK"})
    bad = tmp_path / "catalogue.json"
    bad.write_text(json.dumps(entries), encoding="utf-8")
    before = ProcessNode.objects.count()
    with pytest.raises(ValidationError):
        catalogue_load(path=bad)
    assert ProcessNode.objects.count() == before


@given(st.from_regex(PROCESS_CODE_RE, fullmatch=True))
def test_every_code_of_the_grammar_has_a_parent_of_the_grammar(code: str) -> None:
    parent = parent_code_for(code)
    assert parent is None or PROCESS_CODE_RE.match(parent)
    assert (parent is None) == (code == "TKPK")


def test_a_process_page_shows_notes_references_and_children(as_opd: Client) -> None:
    page = as_opd.get(reverse("processes:node", args=["TKPK-01"])).content.decode()
    assert "TKPK-01.01" in page and "TKPK-01.02" in page
    cfm = as_opd.get(reverse("processes:node", args=["TKPK-01.02.CFM.01"])).content.decode()
    assert "Desember" in cfm  # the RAT timeline in the decree's notes


def test_the_outsider_is_refused_the_process_pages(as_outsider: Client) -> None:
    assert as_outsider.get(reverse("processes:node", args=["TKPK"])).status_code == 403
