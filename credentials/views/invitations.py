"""Invitations to join an issuer, as its staff or as an assessor: the invitee's side.

Issuer staff send them from the admin (credentials.admin.IssuerInvitationAdmin); only the
person they are addressed to sees them here, everyone else gets a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from credentials import services
from credentials.exceptions import CredentialError
from credentials.models import IssuerInvitation
from credentials.permissions import get_invitation_for, visible_invitations
from portfolio.http import AuthenticatedHttpRequest
from portfolio.refusals import show_as_message


@login_required
@require_http_methods(["GET", "HEAD"])
def invitation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    invitations = visible_invitations(request.user).select_related("issuer", "invited_by")
    return render(request, "credentials/invitation_list.html", {"invitations": invitations})


@login_required
@require_POST
def invitation_accept(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invitation = get_invitation_for(request.user, pk)
    try:
        services.accept_invitation(invitation_id=invitation.pk, by=request.user)
    except CredentialError as error:
        show_as_message(request, error)
        return redirect("credentials:invitation-list")
    if invitation.role == IssuerInvitation.Role.STAFF:
        messages.success(
            request,
            _("You joined %(issuer)s's staff. Its micro-credentials are in the admin.")
            % {"issuer": invitation.issuer.name},
        )
        return redirect("admin:index")
    messages.success(
        request,
        _(
            "You joined %(issuer)s as an assessor. Its staff can now assign you to their "
            "micro-credentials."
        )
        % {"issuer": invitation.issuer.name},
    )
    return redirect("credentials:invitation-list")
