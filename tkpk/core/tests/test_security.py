from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db
ROOT = Path(settings.BASE_DIR)


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own manage.py with fixed arguments)
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )


def _production_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TKPK_"))}
    env.update({"TKPK_VAR_DIR": str(tmp_path), "DJANGO_ALLOWED_HOSTS": "tkpk.example.go.id"})
    return env


def test_production_settings_pass_the_deployment_checklist(tmp_path: Path) -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_debug_is_off_unless_asked_for_and_the_secret_is_generated_outside_git(
    tmp_path: Path,
) -> None:
    code = "from django.conf import settings; print(settings.DEBUG, settings.SESSION_COOKIE_SECURE)"
    result = _manage("shell", "-c", code, env=_production_env(tmp_path))
    assert result.stdout.splitlines()[-1].split() == ["False", "True"], result.stderr
    key_file = tmp_path / "secret_key"
    assert key_file.exists() and len(key_file.read_text()) >= 50
    assert oct(key_file.stat().st_mode)[-3:] == "600"
    tracked = subprocess.run(  # noqa: S603
        ["git", "ls-files", "var"],  # noqa: S607 (git from PATH, as developers run it)
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,  # noqa: S607
    )
    assert tracked.stdout.strip() == ""


def test_pages_carry_a_content_security_policy_and_refuse_framing(as_opd: Client) -> None:
    response = as_opd.get(reverse("core:home"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "object-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"


def test_a_post_without_the_csrf_token_is_refused(opd_operator: object) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(opd_operator)  # type: ignore[arg-type]
    response = client.post(reverse("accounts:api_tokens"), {"name": "x", "days_valid": 30})
    assert response.status_code == 403
