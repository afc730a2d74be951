from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from tkpk.accounts.models import Organisation, User
from tkpk.core.models import AppendOnlyError, AuditEvent
from tkpk.core.services import audit_record

pytestmark = pytest.mark.django_db


def test_login_logout_and_failed_login_each_write_an_audit_row(secretariat: User) -> None:
    client = Client()
    client.post(reverse("accounts:login"), {"username": "rina", "password": "wrong-password"})
    client.post(reverse("accounts:login"), {"username": "rina", "password": "Rahasia-Uji-2026"})
    client.post(reverse("accounts:logout"))
    actions = list(
        AuditEvent.objects.filter(actor_username="rina")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["auth.login_failed", "auth.login", "auth.logout"]
    login_row = AuditEvent.objects.get(action="auth.login")
    assert login_row.actor == secretariat
    assert login_row.ip_address == "127.0.0.1"


def test_audit_rows_cannot_be_changed_or_deleted(secretariat: User) -> None:
    event = audit_record(action="test.event", actor=secretariat)
    event.action = "tampered"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_admin_offers_no_way_to_change_or_delete_audit_rows(
    secretariat: User, as_secretariat: Client
) -> None:
    event = audit_record(action="test.event", actor=secretariat)
    change_url = reverse("admin:core_auditevent_change", args=[event.pk])
    delete_url = reverse("admin:core_auditevent_delete", args=[event.pk])
    page = as_secretariat.get(change_url)
    assert page.status_code == 200  # viewable, read-only
    assert b'name="_save"' not in page.content
    assert as_secretariat.post(change_url, {"action": "tampered"}).status_code == 403
    assert as_secretariat.post(delete_url, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_every_admin_change_writes_an_audit_row(secretariat: User, as_secretariat: Client) -> None:
    response = as_secretariat.post(
        reverse("admin:accounts_organisation_add"),
        {"kind": "opd", "name": "Dinas Lingkungan Hidup", "acronym": "DLH", "is_active": "on"},
    )
    assert response.status_code == 302, response.content
    org = Organisation.objects.get(acronym="DLH")
    added = AuditEvent.objects.get(action="admin.add")
    assert (added.object_type, added.object_id, added.actor) == (
        "accounts.organisation",
        str(org.pk),
        secretariat,
    )

    as_secretariat.post(
        reverse("admin:accounts_organisation_change", args=[org.pk]),
        {"kind": "opd", "name": "Dinas Lingkungan Hidup", "acronym": "DLH2", "is_active": "on"},
    )
    changed = AuditEvent.objects.get(action="admin.change")
    assert changed.object_id == str(org.pk)
    assert (
        "acronym" in changed.detail["change"].lower()
        or "akronim" in changed.detail["change"].lower()
    )

    as_secretariat.post(
        reverse("admin:accounts_organisation_delete", args=[org.pk]), {"post": "yes"}
    )
    assert AuditEvent.objects.filter(action="admin.delete", object_id=str(org.pk)).exists()
    assert not Organisation.objects.filter(pk=org.pk).exists()


def test_audit_page_is_for_the_secretariat_only(
    as_secretariat: Client, as_opd: Client, as_verifier: Client, as_outsider: Client
) -> None:
    url = reverse("core:audit_log")
    assert as_secretariat.get(url).status_code == 200
    assert as_opd.get(url).status_code == 403
    assert as_verifier.get(url).status_code == 403
    assert as_outsider.get(url).status_code == 403
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/akun/masuk/" in anonymous["Location"]


def test_audit_page_filters_by_user_and_action(secretariat: User, as_secretariat: Client) -> None:
    audit_record(action="person.read", actor_username="budi", object_repr="rumah tangga 1")
    audit_record(action="auth.login", actor_username="siti")
    response = as_secretariat.get(reverse("core:audit_log"), {"actor": "budi", "action": "person"})
    rows = response.context["page"].object_list
    assert [e.actor_username for e in rows] == ["budi"]
    partial = as_secretariat.get(
        reverse("core:audit_log"),
        {"actor": "siti"},
        headers={"HX-Request": "true", "HX-Target": "audit-rows"},
    )
    assert b"<html" not in partial.content and b"siti" in partial.content


def test_audit_csv_export_is_audited_and_formula_safe(as_secretariat: Client) -> None:
    audit_record(action="test.injection", actor_username="x", object_repr='=HYPERLINK("http://e")')
    response = as_secretariat.get(reverse("core:audit_log"), {"format": "csv", "action": "test."})
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:3] == ["time", "user", "action"]
    assert rows[1][5] == '\'=HYPERLINK("http://e")'
    assert AuditEvent.objects.filter(action="audit.export").count() == 1
