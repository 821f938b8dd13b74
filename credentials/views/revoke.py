"""Revoking an issued credential: an act of the issuing organisation's staff."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from credentials import services
from credentials.exceptions import CredentialError
from credentials.forms import RevokeForm
from credentials.permissions import can_revoke
from credentials.selectors import credential_pages
from portfolio.http import AuthenticatedHttpRequest
from portfolio.refusals import show_as_message


@login_required
@require_http_methods(["GET", "POST"])
def revoke_credential(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    page = credential_pages.get_credential_page(public_id=public_id, viewer=request.user)
    credential = page.credential
    # Anyone else gets a 404, as for a credential that does not exist: the page must not
    # tell them that revoking is a thing they might try.
    if not can_revoke(request.user, credential):
        raise Http404("No such credential.")
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.revoke_credential(
                credential_id=credential.pk, by=request.user, reason=form.cleaned_data["reason"]
            )
        except CredentialError as error:
            show_as_message(request, error)
        else:
            messages.success(
                request,
                _(
                    "The credential has been revoked. Its public page now says so, with your reason."
                ),
            )
        return redirect("credentials:credential-detail", public_id=credential.public_id)
    return render(request, "credentials/credential_revoke.html", {"page": page, "form": form})
