from django.urls import path

from credentials.api import views

app_name = "credentials-api"

urlpatterns = [
    path("verify/", views.VerifyCredentialApi.as_view(), name="verify"),
]
