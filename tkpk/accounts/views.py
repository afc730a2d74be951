from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tkpk.accounts import selectors, services
from tkpk.accounts.forms import ApiTokenForm, LoginForm
from tkpk.accounts.models import User
from tkpk.core.forms import clean_search_text
from tkpk.core.permissions import require_member


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        services.password_change_record(user=user, request=request)
        messages.success(request, _("Your password has been changed."))
        return redirect("core:home")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    require_member(user)
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        _token, new_token = services.api_token_create(
            user=user, name=form.cleaned_data["name"], days_valid=form.cleaned_data["days_valid"]
        )
        form = ApiTokenForm()
    tokens = selectors.api_token_list_for_user(user=user)
    return render(
        request,
        "accounts/api_tokens.html",
        {"form": form, "tokens": tokens, "new_token": new_token},
    )


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    token = selectors.api_token_get_for_user(user=user, pk=pk)
    services.api_token_revoke(token=token, by=user)
    messages.success(request, _("The token has been revoked."))
    return redirect("accounts:api_tokens")


@login_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    query = clean_search_text(request.GET.get("q"))
    organisations = selectors.organisation_list_for_user(user=request.user, query=query)
    page = Paginator(organisations, 50).get_page(request.GET.get("page"))
    template = "accounts/organisation_list.html"
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "org-rows":
        template += "#rows"
    return render(request, template, {"page": page, "query": query})


@login_required
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_get_for_user(user=request.user, pk=pk)
    members = selectors.organisation_members(organisation=organisation)
    return render(
        request,
        "accounts/organisation_detail.html",
        {"organisation": organisation, "members": members},
    )
