"""/verify/: check a credential, by its link on this site or by its document.

A link or identifier (a GET form) leads to the credential's page, which has its own Verify
panel. A document, pasted or uploaded (a POST form: it can be large, and it is not for the
address bar), is verified here and the page shows each step and the verdict.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from credentials.forms import CredentialDocumentForm, VerifyForm
from credentials.selectors.verification import get_credential_by_reference
from credentials.vc.verification import verify_credential_text


@require_http_methods(["GET", "HEAD", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _verify_document(request)
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
    return render(
        request,
        "credentials/verify.html",
        {"verify_form": form, "document_form": CredentialDocumentForm()},
    )


def _verify_document(request: HttpRequest) -> HttpResponse:
    document_form = CredentialDocumentForm(request.POST, request.FILES)
    verification = None
    if document_form.is_valid():
        verification = verify_credential_text(document_form.credential_content())
    # No redirect after this POST: nothing was saved, and the result is for this visitor only.
    return render(
        request,
        "credentials/verify.html",
        {
            "verify_form": VerifyForm(),
            "document_form": document_form,
            "verification": verification,
        },
    )
