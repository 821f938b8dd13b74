"""The verify box: paste a credential's link or identifier, land on its page."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from credentials.forms import VerifyForm
from credentials.selectors.verification import get_credential_by_reference


@require_http_methods(["GET", "HEAD"])
def verify(request: HttpRequest) -> HttpResponse:
    # A GET form: nothing changes, and a link to /verify/?credential=… can be shared.
    form = VerifyForm(request.GET if "credential" in request.GET else None)
    if form.is_bound and form.is_valid():
        our_hosts = {urlsplit(settings.SITE_URL).hostname or "", request.get_host().split(":")[0]}
        try:
            credential = get_credential_by_reference(
                text=form.cleaned_data["credential"], viewer=request.user, our_hosts=our_hosts
            )
        except ValidationError as error:
            form.add_error("credential", error)
        else:
            return redirect("credentials:credential-detail", public_id=credential.public_id)
    return render(request, "credentials/verify.html", {"verify_form": form})
