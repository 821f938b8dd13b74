"""The site's URLs plus a page and an API endpoint whose service always refuses."""

from http import HTTPStatus

from django.http import Http404, HttpResponse
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from config.urls import urlpatterns
from portfolio.errors import DomainError

REFUSALS = {
    "invalid": DomainError(
        "Give the evidence a title.", code="evidence.title_missing", field="title"
    ),
    "forbidden": DomainError(
        "Only the owner can change this evidence.",
        code="evidence.not_owner",
        status=HTTPStatus.FORBIDDEN,
    ),
    "conflict": DomainError(
        "This credential was already revoked.",
        code="credential.already_revoked",
        status=HTTPStatus.CONFLICT,
    ),
}


def refusing_page(request, kind):
    if request.method == "GET":
        return HttpResponse("the form")
    raise REFUSALS[kind]


class RefusingApi(APIView):
    permission_classes = [AllowAny]

    def post(self, request, kind):
        if kind == "missing":
            raise Http404("No such thing.")
        raise REFUSALS[kind]


urlpatterns = [
    path("refusing/<str:kind>/", refusing_page),
    path("api/refusing/<str:kind>/", RefusingApi.as_view()),
    *urlpatterns,
]
