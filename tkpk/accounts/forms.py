from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from tkpk.accounts.models import User


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Please enter a correct username and password. Both are case-sensitive."
        ),
        "locked": _(
            "This account is locked for a while after too many failed logins. "
            "Try again later or ask the secretariat to unlock it."
        ),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        try:
            return super().clean()
        except forms.ValidationError:
            # A locked account fails even with the right password: say why, so the user
            # does not keep guessing.
            user = User.objects.filter(username__iexact=username or "").first()
            if user is not None and user.is_locked():
                raise forms.ValidationError(self.error_messages["locked"], code="locked") from None
            raise


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100)
    days_valid = forms.IntegerField(
        label=_("Valid for (days)"), min_value=1, max_value=730, initial=365
    )
