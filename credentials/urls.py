from django.urls import path

from credentials.views import public

app_name = "credentials"

urlpatterns = [
    path("p/<slug:slug>/", public.public_portfolio, name="public-portfolio"),
]
