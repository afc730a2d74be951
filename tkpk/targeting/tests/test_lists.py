"""Beneficiary lists: upload, linkage to the current release, and the review queue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.http import Http404
from django.test import Client
from django.urls import reverse

from conftest import login
from tkpk.accounts.models import Organisation, User
from tkpk.accounts.services import membership_grant, user_create
from tkpk.core.models import AuditEvent
from tkpk.core.roles import Role
from tkpk.targeting import services_lists
from tkpk.targeting.models import BeneficiaryList, LinkReview, ListStatus, Release, ReviewStatus
from tkpk.targeting.selectors_lists import (
    beneficiary_list_get_for_user,
    beneficiary_lists_for_user,
    reviews_for_user,
)
from tkpk.targeting.services_lists import (
    LINK_SCHEMA,
    beneficiary_list_create,
    beneficiary_list_link,
    link_review_decide,
)
from tkpk.targeting.tests.factories import SmallTargets, release_make

pytestmark = pytest.mark.django_db
FORMULA = '=HYPERLINK("http://x","y")'


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def data_steward(reference: None) -> User:
    user = user_create(username="agus", full_name="Agus Prasetyo")
    membership_grant(user=user, role=Role.PENGELOLA_DATA)
    return user


@pytest.fixture
def targets(tmp_path: Path, reference: None) -> SmallTargets:
    return release_make(tmp_path)


@pytest.fixture
def review_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every model pair goes to review (confirmed exact-NIK pairs stay accepted)."""
    monkeypatch.setattr(services_lists, "ACCEPT", 1.01)


def _dinsos() -> Organisation:
    return Organisation.objects.get(acronym="Dinsos")


def _list_file(tmp_path: Path, targets: SmallTargets, frame: pl.DataFrame | None = None) -> Path:
    path = tmp_path / "penerima.csv"
    (targets.beneficiaries if frame is None else frame).write_csv(path)
    return path


def _create(
    tmp_path: Path,
    targets: SmallTargets,
    *,
    by: User | None,
    organisation: Organisation | None = None,
    mapping: dict[str, str] | None = None,
    frame: pl.DataFrame | None = None,
) -> BeneficiaryList:
    return beneficiary_list_create(
        path=_list_file(tmp_path, targets, frame),
        file_name="penerima.csv",
        programme="KJP PLUS",
        organisation=organisation or _dinsos(),
        year=2026,
        quarter=3,
        mapping=mapping or {},
        by=by,
    )


def _truth_pairs(targets: SmallTargets) -> set[tuple[int, int]]:
    """(list row, release row): list and registry rows are file index + 2."""
    registry_row = {rid: i + 2 for i, rid in enumerate(targets.registry["id"].to_list())}
    list_row = {bid: i + 2 for i, bid in enumerate(targets.beneficiaries["id"].to_list())}
    return {
        (list_row[b], registry_row[r])
        for b, r in targets.truth.iter_rows()
        if r is not None and b in list_row
    }


def _pairs(path: str, status: str | None = None) -> set[tuple[int, int]]:
    links = pl.read_parquet(path)
    if status:
        links = links.filter(pl.col("status") == status)
    return set(links.select("list_row", "person_row").iter_rows())


def _counts(blist: BeneficiaryList) -> tuple[int, int, int, int, int]:
    return (
        blist.rows,
        blist.matched_exact,
        blist.matched_model,
        blist.review_pending,
        blist.unmatched,
    )


def _storage_files(blist: BeneficiaryList) -> list[Path]:
    folder = Path(blist.upload_path).parent
    return sorted(folder.glob(f"list-{blist.pk}-*")) + sorted(folder.glob("*.tmp"))


def test_a_generated_list_links_with_pair_precision_and_recall_of_at_least_098(
    tmp_path: Path, targets: SmallTargets, data_steward: User
) -> None:
    blist = beneficiary_list_link(blist=_create(tmp_path, targets, by=data_steward))
    assert blist.status == ListStatus.LINKED, blist.message
    links = pl.read_parquet(blist.links_path)
    assert links.schema == pl.Schema(LINK_SCHEMA)
    truth = _truth_pairs(targets)
    # Resolve the review queue by the ground truth, through the service.
    for review in LinkReview.objects.filter(beneficiary_list=blist):
        true_pair = (review.list_row, review.person_row) in truth
        link_review_decide(review=review, by=data_steward, accept=true_pair, version=1)
    blist.refresh_from_db()
    predicted = _pairs(blist.links_path)
    assert _pairs(blist.links_path, "pending") == set()
    hits = len(predicted & truth)
    assert hits / len(predicted) >= 0.98 and hits / len(truth) >= 0.98
    assert blist.rows == targets.beneficiaries.height
    assert blist.matched_exact > 0.5 * blist.rows
    assert blist.rows == blist.matched_exact + blist.matched_model + blist.unmatched
    # KK, kelurahan and desil are the matched release person's.
    persons = pl.read_parquet(blist.release.persons_path).select(
        pl.col("row").cast(pl.Int64).alias("person_row"), "kk", "kelurahan_code", "desil"
    )
    copied = pl.read_parquet(blist.links_path).join(persons, on="person_row", suffix="_release")
    assert copied.height == len(predicted)
    assert (copied["kk"] == copied["kk_release"]).all()
    assert (copied["desil"] == copied["desil_release"]).all()
    methods = set(copied["method"].to_list())
    assert "nik" in methods and methods <= {"nik", "model", "review"}
    assert AuditEvent.objects.filter(action="targeting.list_linked", object_id=blist.pk).exists()


def test_a_bad_column_mapping_fails_with_a_message_and_leaves_nothing_behind(
    tmp_path: Path, targets: SmallTargets, data_steward: User
) -> None:
    blist = _create(
        tmp_path, targets, by=data_steward, mapping={"nik": "address", "name": "birth_place"}
    )
    blist = beneficiary_list_link(blist=blist)
    assert blist.status == ListStatus.FAILED and blist.message
    assert blist.links_path == "" and blist.rows_path == "" and blist.rows == 0
    assert not LinkReview.objects.filter(beneficiary_list=blist).exists()
    assert _storage_files(blist) == []
    first_nik = targets.beneficiaries["nik"].drop_nulls()[0]
    assert first_nik not in blist.message


def test_a_list_without_nik_and_name_columns_is_refused_with_the_columns_named(
    tmp_path: Path, targets: SmallTargets, data_steward: User
) -> None:
    frame = targets.beneficiaries.select("id", "kk", "address")
    blist = beneficiary_list_link(blist=_create(tmp_path, targets, by=data_steward, frame=frame))
    assert blist.status == ListStatus.FAILED
    assert "address" in blist.message and _storage_files(blist) == []


def test_relinking_a_list_is_idempotent_and_keeps_the_decisions_taken(
    tmp_path: Path, targets: SmallTargets, data_steward: User, review_everything: None
) -> None:
    blist = beneficiary_list_link(blist=_create(tmp_path, targets, by=data_steward))
    first, second = list(LinkReview.objects.filter(beneficiary_list=blist)[:2])
    link_review_decide(review=first, by=data_steward, accept=True, version=1)
    link_review_decide(review=second, by=data_steward, accept=False, version=1)
    blist.refresh_from_db()
    before = pl.read_parquet(blist.links_path)
    counts = _counts(blist)
    reviews = sorted(
        LinkReview.objects.filter(beneficiary_list=blist).values_list(
            "list_row", "person_row", "status"
        )
    )
    again = beneficiary_list_link(blist=blist)
    assert again.status == ListStatus.LINKED
    assert _counts(again) == counts
    assert pl.read_parquet(again.links_path).equals(before)
    after = sorted(
        LinkReview.objects.filter(beneficiary_list=blist).values_list(
            "list_row", "person_row", "status"
        )
    )
    assert after == reviews
    assert LinkReview.objects.get(pk=first.pk).status == ReviewStatus.ACCEPTED
    accepted = before.filter(pl.col("list_row") == first.list_row).row(0, named=True)
    assert accepted["method"] == "review" and accepted["status"] == "accepted"
    assert before.filter(pl.col("list_row") == second.list_row).height == 0


def test_a_stale_review_decision_is_refused(
    tmp_path: Path, targets: SmallTargets, data_steward: User, review_everything: None
) -> None:
    blist = beneficiary_list_link(blist=_create(tmp_path, targets, by=data_steward))
    review = LinkReview.objects.filter(beneficiary_list=blist).first()
    assert review is not None
    link_review_decide(review=review, by=data_steward, accept=True, version=1)
    with pytest.raises(ValidationError):
        link_review_decide(review=review, by=data_steward, accept=False, version=1)
    review.refresh_from_db()
    assert review.status == ReviewStatus.ACCEPTED and review.version == 2
    # Through the page, with htmx: the queue comes back with the refusal, nothing changes.
    client = login(data_steward)
    url = reverse("targeting:list_review_decide", args=[blist.pk, review.pk])
    response = client.post(
        url, {"decision": "reject", "version": "1"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and b'data-testid="review-error"' in response.content
    review.refresh_from_db()
    assert review.status == ReviewStatus.ACCEPTED


def test_an_opd_sees_only_its_own_lists_and_files_only_for_itself(
    tmp_path: Path,
    targets: SmallTargets,
    *,
    opd_operator: User,
    other_opd_operator: User,
    kelurahan_verifier: User,
    outsider: User,
    secretariat: User,
) -> None:
    own = _create(tmp_path, targets, by=opd_operator)
    other = _create(
        tmp_path,
        targets,
        by=other_opd_operator,
        organisation=Organisation.objects.get(acronym="Disdik"),
    )
    assert list(beneficiary_lists_for_user(user=opd_operator)) == [own]
    assert set(beneficiary_lists_for_user(user=secretariat)) == {own, other}
    with pytest.raises(Http404):
        beneficiary_list_get_for_user(user=opd_operator, pk=other.pk)
    with pytest.raises(Http404):
        reviews_for_user(user=opd_operator, blist=other)
    for user in (kelurahan_verifier, outsider):
        with pytest.raises(PermissionDenied):
            beneficiary_lists_for_user(user=user)
    with pytest.raises(PermissionDenied):
        _create(tmp_path, targets, by=opd_operator, organisation=other.organisation)
    page = login(opd_operator).get(reverse("targeting:lists"))
    assert page.status_code == 200
    assert [item.pk for item in page.context["lists"]] == [own.pk]
    assert "organisation" not in page.context["form"].fields  # files for Dinsos only
    assert login(opd_operator).get(reverse("targeting:list", args=[other.pk])).status_code == 404


def test_every_list_page_refuses_the_outsider_and_the_verifier(
    tmp_path: Path,
    targets: SmallTargets,
    data_steward: User,
    as_outsider: Client,
    as_verifier: Client,
) -> None:
    blist = _create(tmp_path, targets, by=data_steward)
    urls = [
        reverse("targeting:lists"),
        reverse("targeting:list", args=[blist.pk]),
        reverse("targeting:list_review", args=[blist.pk]),
    ]
    for client in (as_outsider, as_verifier):
        for url in urls:
            assert client.get(url).status_code == 403, url
        decide = reverse("targeting:list_review_decide", args=[blist.pk, 1])
        assert client.post(decide, {"decision": "accept", "version": "1"}).status_code == 403


def test_there_is_no_list_without_a_current_release(
    tmp_path: Path, targets: SmallTargets, data_steward: User
) -> None:
    Release.objects.update(is_current=False)
    with pytest.raises(ValidationError):
        _create(tmp_path, targets, by=data_steward)
    assert not BeneficiaryList.objects.exists()


def test_the_review_page_is_masked_for_the_opd_audited_and_revealed_for_the_data_steward(
    tmp_path: Path,
    targets: SmallTargets,
    *,
    opd_operator: User,
    other_opd_operator: User,
    data_steward: User,
    review_everything: None,
) -> None:
    blist = beneficiary_list_link(blist=_create(tmp_path, targets, by=opd_operator))
    review = LinkReview.objects.filter(beneficiary_list=blist).first()
    assert review is not None
    persons = pl.read_parquet(blist.release.persons_path)
    nik = persons.filter(pl.col("row") == review.person_row)["nik"][0]
    name = persons.filter(pl.col("row") == review.person_row)["name"][0]
    url = reverse("targeting:list_review", args=[blist.pk])
    audits = AuditEvent.objects.filter(action="targeting.link_review_viewed")
    opd = login(opd_operator)
    page = opd.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-review="{review.pk}"' in html
    assert 'data-side="list"' in html and 'data-side="release"' in html
    assert nik not in html and name not in html and nik[:6] in html
    assert audits.count() == 1 and audits.get().actor == opd_operator
    assert opd.get(url, {"reveal": "1"}).status_code == 403  # the OPD sees masked values only
    assert login(other_opd_operator).get(url).status_code == 404
    steward = login(data_steward)
    assert nik not in steward.get(url).content.decode()
    revealed = steward.get(url, {"review": review.pk, "reveal": "1"}).content.decode()
    assert nik in revealed
    last = audits.order_by("-pk").first()
    assert last is not None and last.actor == data_steward and "nik" in last.detail["revealed"]
    assert nik not in str(last.detail) and audits.count() == 3


def test_accepting_and_rejecting_on_the_page_update_the_links_and_the_counts(
    tmp_path: Path, targets: SmallTargets, data_steward: User, review_everything: None
) -> None:
    blist = beneficiary_list_link(blist=_create(tmp_path, targets, by=data_steward))
    pending, model, unmatched = blist.review_pending, blist.matched_model, blist.unmatched
    assert pending >= 2
    client = login(data_steward)
    first, second = list(LinkReview.objects.filter(beneficiary_list=blist)[:2])
    decide = "targeting:list_review_decide"
    response = client.post(
        reverse(decide, args=[blist.pk, first.pk]), {"decision": "accept", "version": "1"}
    )
    assert response.status_code == 302  # without htmx: back to the queue
    partial = client.post(
        reverse(decide, args=[blist.pk, second.pk]),
        {"decision": "reject", "version": "1"},
        headers={"HX-Request": "true"},
    )
    assert b"<html" not in partial.content
    assert f'data-pending="{pending - 2}"'.encode() in partial.content
    blist.refresh_from_db()
    assert (blist.review_pending, blist.matched_model, blist.unmatched) == (
        pending - 2,
        model + 1,
        unmatched + 1,
    )
    links = pl.read_parquet(blist.links_path)
    assert (first.list_row, first.person_row) in _pairs(blist.links_path, "accepted")
    assert links.filter(pl.col("list_row") == second.list_row).height == 0
    assert AuditEvent.objects.filter(action="targeting.link_review_decided").count() == 2


def test_an_opd_uploads_a_list_linking_is_queued_and_the_page_shows_progress(
    tmp_path: Path,
    targets: SmallTargets,
    opd_operator: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = login(opd_operator)
    content = _list_file(tmp_path, targets).read_bytes()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("targeting:lists"),
            {
                "programme": "KJP PLUS",
                "year": "2026",
                "quarter": "3",
                "target_desil_max": "4",
                "file": SimpleUploadedFile("kjp.csv", content, content_type="text/csv"),
                "mapping": "",
            },
        )
    blist = BeneficiaryList.objects.get()
    assert response["Location"] == reverse("targeting:list", args=[blist.pk])
    assert blist.organisation == _dinsos() and blist.file_name == "kjp.csv"
    assert blist.release.is_current and len(callbacks) == 1
    waiting = client.get(reverse("targeting:list", args=[blist.pk]))
    assert waiting.context["running"] and b'hx-trigger="every 1s"' in waiting.content
    beneficiary_list_link(blist=blist)  # what the worker does
    partial = client.get(reverse("targeting:list", args=[blist.pk]), headers={"HX-Request": "true"})
    assert b"<html" not in partial.content and b'data-status="linked"' in partial.content


def test_the_upload_form_keeps_what_was_typed_when_the_mapping_is_wrong(
    targets: SmallTargets, data_steward: User
) -> None:
    response = login(data_steward).post(
        reverse("targeting:lists"),
        {
            "programme": "KLJ lansia",
            "organisation": _dinsos().pk,
            "year": "2026",
            "target_desil_max": "4",
            "file": SimpleUploadedFile("klj.csv", b"nik,name\n", content_type="text/csv"),
            "mapping": "NAMA=nama_lengkap",
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["mapping"]
    assert b'value="KLJ lansia"' in response.content
    assert not BeneficiaryList.objects.exists()


def test_a_formula_like_name_is_kept_as_text_and_never_rendered_unescaped(
    tmp_path: Path, targets: SmallTargets, data_steward: User, review_everything: None
) -> None:
    frame = targets.beneficiaries.with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.lit(FORMULA))
        .otherwise(pl.col("name"))
        .alias("name")
    )
    blist = beneficiary_list_link(blist=_create(tmp_path, targets, by=data_steward, frame=frame))
    rows = pl.read_parquet(blist.rows_path)
    assert rows.filter(pl.col("row") == 2)["name"][0] == FORMULA  # stored as the text it is
    # The exact-NIK stage does not confirm the pair (the name disagrees): the model scores it.
    review = LinkReview.objects.get(beneficiary_list=blist, list_row=2)
    url = reverse("targeting:list_review", args=[blist.pk])
    html = login(data_steward).get(url, {"review": review.pk, "reveal": "1"}).content.decode()
    assert FORMULA not in html
    assert "=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)" in html
    assert FORMULA not in blist.message


def test_the_import_command_links_a_list_and_prints_the_counts(
    tmp_path: Path, targets: SmallTargets, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _list_file(tmp_path, targets)
    call_command(
        "import_beneficiaries",
        str(path),
        "--programme",
        "PKH",
        "--opd",
        "Dinsos",
        "--year",
        "2026",
        "--quarter",
        "2",
    )
    blist = BeneficiaryList.objects.get()
    out = capsys.readouterr()
    assert blist.status == ListStatus.LINKED and blist.quarter == 2
    assert f"{blist.rows} rows" in out.out and f"{blist.matched_exact} matched by NIK" in out.out
    assert "100%" in out.err
    assert Path(blist.upload_path).parent == Path(blist.links_path).parent  # a stored copy


def test_an_xlsx_list_keeps_niks_as_text_and_renamed_columns_link(
    tmp_path: Path, targets: SmallTargets, data_steward: User
) -> None:
    frame = targets.beneficiaries.rename({"nik": "NIK_KTP", "name": "NAMA"})
    path = tmp_path / "penerima.xlsx"
    frame.write_excel(path)
    blist = beneficiary_list_create(
        path=path,
        file_name=path.name,
        programme="KLJ",
        organisation=_dinsos(),
        year=2026,
        quarter=None,
        mapping={"NIK_KTP": "nik", "NAMA": "name"},
        by=data_steward,
    )
    blist = beneficiary_list_link(blist=blist)
    assert blist.status == ListStatus.LINKED, blist.message
    rows = pl.read_parquet(blist.rows_path)
    assert rows["nik"].to_list() == targets.beneficiaries["nik"].to_list()
    assert rows["row"].to_list() == list(range(2, targets.beneficiaries.height + 2))
    assert blist.matched_exact > 0.5 * blist.rows
