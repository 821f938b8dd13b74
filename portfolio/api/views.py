"""Evidence API: one view per resource, permissions from portfolio.permissions, changes by services."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from rest_framework.exceptions import NotAuthenticated
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portfolio.api.serializers import EvidenceOutputSerializer
from portfolio.models import EvidenceItem, User
from portfolio.permissions import AnyUser, get_evidence_for
from portfolio.selectors import list_evidence
from portfolio.services.evidence import delete_evidence


def _user(request: Request) -> AnyUser:
    user = request.user
    return user if isinstance(user, User) else AnonymousUser()


class EvidenceListApi(APIView):
    """GET: the requesting user's own evidence, newest first, paginated."""

    permission_classes = [IsAuthenticated]

    OutputSerializer = EvidenceOutputSerializer

    def get(self, request: Request) -> Response:
        user = _user(request)
        items = list_evidence(owner=user) if isinstance(user, User) else EvidenceItem.objects.none()
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(items, request, view=self)
        serializer = self.OutputSerializer(page, many=True, context={"request": request})
        return paginator.get_paginated_response(serializer.data)


class EvidenceDetailApi(APIView):
    """GET: one item, if the requesting user may view it; 404 otherwise (never 403).
    DELETE: the owner removes it (204).

    Open to anonymous requests on purpose: a public item on a public profile is public, and
    answering 403 to a visitor would confirm that a private item exists. Someone who may see
    an item but not delete it gets the service's refusal, {"code", "detail"} with 403.
    """

    permission_classes = [AllowAny]

    OutputSerializer = EvidenceOutputSerializer

    def get(self, request: Request, pk: int) -> Response:
        item = get_evidence_for(_user(request), pk)
        serializer = self.OutputSerializer(item, context={"request": request})
        return Response(serializer.data)

    def delete(self, request: Request, pk: int) -> Response:
        user = _user(request)
        if not isinstance(user, User):
            raise NotAuthenticated
        # Looked up as the user sees it first, so what they may not see stays a 404.
        item = get_evidence_for(user, pk)
        delete_evidence(item_id=item.pk, by=user)
        return Response(status=204)
