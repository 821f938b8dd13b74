"""Bulk issuance for issuer staff: the list to upload, and the batch's progress page."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from credentials import bulk_issuance
from credentials.exceptions import CredentialError
from credentials.forms import BulkIssuanceForm
from credentials.permissions import get_bulk_issuance_for, get_micro_credential_for_bulk_issue
from portfolio.http import AuthenticatedHttpRequest
from portfolio.refusals import show_as_message

# Seconds between refreshes of an unfinished batch's page (a meta refresh: no script).
REFRESH_SECONDS = 2


@login_required
@require_http_methods(["GET", "POST"])
def bulk_issuance_new(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    micro_credential = get_micro_credential_for_bulk_issue(request.user, slug)
    form = BulkIssuanceForm(
        request.POST or None, request.FILES or None, micro_credential=micro_credential
    )
    if request.method == "POST" and form.is_valid():
        try:
            batch = bulk_issuance.start_bulk_issuance(
                micro_credential_id=micro_credential.pk, learners=form.learners, by=request.user
            )
        except CredentialError as error:
            show_as_message(request, error)
        else:
            return redirect("credentials:bulk-issuance-detail", public_id=batch.public_id)
    return render(
        request,
        "credentials/bulk_issuance_form.html",
        {"micro_credential": micro_credential, "form": form},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@login_required
@require_http_methods(["GET"])
def bulk_issuance_detail(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    batch = get_bulk_issuance_for(request.user, public_id)
    progress = bulk_issuance.get_bulk_progress(batch)
    return render(
        request,
        "credentials/bulk_issuance_detail.html",
        {
            "progress": progress,
            "refresh_seconds": None if progress.is_finished else REFRESH_SECONDS,
        },
    )
