from django.urls import path

from portfolio.api import views

app_name = "api"

urlpatterns = [
    path("evidence/", views.EvidenceListApi.as_view(), name="evidence-list"),
    path("evidence/<int:pk>/", views.EvidenceDetailApi.as_view(), name="evidence-detail"),
]
