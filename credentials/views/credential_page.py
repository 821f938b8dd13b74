"""The public page of an issued credential, /c/<id>/: what anyone checks it against."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from credentials.permissions import get_credential_access
from credentials.qr import make_qr_svg
from credentials.selectors import credential_pages
from credentials.sharing import make_linkedin_add_to_profile_url
from credentials.views.open_graph import build_absolute_badge_url


def credential_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    page = credential_pages.get_credential_page(public_id=public_id, viewer=request.user)
    credential = page.credential
    access = get_credential_access(request.user, credential)
    page_url = request.build_absolute_uri(request.path)
    context = {
        "page": page,
        "credential": credential,
        "micro_credential": credential.micro_credential,
        "access": access,
        "page_url": page_url,
        # Printed only (css/print.css), so a paper copy leads back to this live page.
        "qr_svg": make_qr_svg(page_url, title=_("QR code: the address of this credential")),
        "linkedin_url": make_linkedin_add_to_profile_url(
            credential=credential, credential_url=page_url
        )
        if access.can_add_to_profile
        else "",
        "badge_url": build_absolute_badge_url(request, credential.micro_credential),
        "share_title": f"{credential.micro_credential.title} — {page.holder_name}",
        "share_description": _("Issued by %(issuer)s on %(date)s. Status: %(status)s.")
        % {
            "issuer": credential.issuer.name,
            "date": date_format(credential.issued_at, "j F Y"),
            "status": page.status.label,
        },
    }
    return render(request, "credentials/credential_detail.html", context)
