"""My credentials: the learner's own list, and whether each shows on their public page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from credentials import services
from credentials.forms import VisibilityForm
from credentials.selectors import credential_pages
from portfolio.http import AuthenticatedHttpRequest
from portfolio.permissions import can_keep_portfolio


@login_required
@require_http_methods(["GET", "POST"])
def my_credentials(request: AuthenticatedHttpRequest) -> HttpResponse:
    # Only learners earn credentials; for other roles this page does not exist.
    if not can_keep_portfolio(request.user):
        raise Http404("No credentials here.")
    if request.method == "POST":
        return _set_visibility(request)
    credentials = credential_pages.list_learner_credentials(learner=request.user)
    rows = [
        (
            credential,
            VisibilityForm(
                initial={
                    "credential": credential.public_id,
                    "is_shown_publicly": not credential.is_shown_publicly,
                }
            ),
        )
        for credential in credentials
    ]
    profile = getattr(request.user, "profile", None)
    return render(request, "credentials/my_credentials.html", {"rows": rows, "profile": profile})


def _set_visibility(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = VisibilityForm(request.POST)
    if not form.is_valid():
        raise Http404("No such credential.")
    credential = credential_pages.get_own_credential(
        learner=request.user, public_id=form.cleaned_data["credential"]
    )
    show = form.cleaned_data["is_shown_publicly"]
    services.set_credential_visibility(
        credential_id=credential.pk, by=request.user, is_shown_publicly=show
    )
    title = credential.micro_credential.title
    if show:
        messages.success(
            request, _("“%(title)s” now shows on your public page.") % {"title": title}
        )
    else:
        messages.success(
            request, _("“%(title)s” is hidden from your public page.") % {"title": title}
        )
    return redirect("credentials:my-credentials")
