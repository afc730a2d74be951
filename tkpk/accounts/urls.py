from django.urls import path

from tkpk.accounts import views

app_name = "accounts"

urlpatterns = [
    path("akun/masuk/", views.LoginView.as_view(), name="login"),
    path("akun/keluar/", views.LogoutView.as_view(), name="logout"),
    path("akun/kata-sandi/", views.password_change, name="password_change"),
    path("akun/token-api/", views.api_tokens, name="api_tokens"),
    path("akun/token-api/<int:pk>/cabut/", views.api_token_revoke, name="api_token_revoke"),
    path("organisasi/", views.organisation_list, name="organisation_list"),
    path("organisasi/<int:pk>/", views.organisation_detail, name="organisation_detail"),
]
