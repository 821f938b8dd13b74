"""The catalogue of micro-credentials, the public page of each issued credential, and the
learner's own list of credentials."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from credentials import selectors, services
from credentials.forms import CatalogueFilterForm, VisibilityForm
from credentials.models import IssuedCredential, MicroCredential
from credentials.permissions import get_credential_access, is_open_for_applications
from credentials.selectors import CatalogueEntry
from portfolio.http import AuthenticatedHttpRequest
from portfolio.models import User
from portfolio.permissions import can_keep_portfolio, is_learner

PAGE_SIZE = 12


def _absolute_badge_url(request: HttpRequest, micro_credential: MicroCredential) -> str:
    # Open Graph wants absolute URLs; S3 URLs already are and pass through unchanged.
    badge = micro_credential.badge_image
    return request.build_absolute_uri(badge.url) if badge else ""


def catalogue(request: HttpRequest) -> HttpResponse:
    filters = CatalogueFilterForm(request.GET, issuers=selectors.list_catalogue_issuers())
    # An unknown level or issuer in the query string is shown as an error and ignored.
    filters.is_valid()
    data = filters.cleaned_data
    entries = selectors.list_catalogue(
        query=data.get("q") or "", level=data.get("level") or "", issuer=data.get("issuer")
    )
    context = {
        "filters": filters,
        "page_obj": Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page")),
        "is_filtered": any(request.GET.get(name) for name in ("q", "level", "issuer")),
    }
    return render(request, "credentials/catalogue.html", context)


@dataclass(frozen=True)
class MicroCredentialPage:
    """What this app knows for a micro-credential's page.

    The page itself is config.views.micro_credential_detail, because it also shows the
    learner's open application, which this app never reads.
    """

    entry: CatalogueEntry
    learner: User | None
    held_credential: IssuedCredential | None
    page_url: str
    badge_url: str

    @property
    def micro_credential(self) -> MicroCredential:
        return self.entry.micro_credential

    def context(self) -> dict[str, object]:
        micro_credential = self.micro_credential
        return {
            "entry": self.entry,
            "micro_credential": micro_credential,
            "is_open": is_open_for_applications(micro_credential),
            "held_credential": self.held_credential,
            "page_url": self.page_url,
            "badge_url": self.badge_url,
        }


def get_micro_credential_page(request: HttpRequest, slug: str) -> MicroCredentialPage:
    """The page's pieces from this app; Http404 for a micro-credential not in the catalogue."""
    entry = selectors.get_catalogue_entry(slug=slug)
    learner = request.user if isinstance(request.user, User) and is_learner(request.user) else None
    held = None
    if learner is not None:
        held = selectors.get_valid_credential(
            learner=learner, micro_credential=entry.micro_credential
        )
    return MicroCredentialPage(
        entry=entry,
        learner=learner,
        held_credential=held,
        page_url=request.build_absolute_uri(request.path),
        badge_url=_absolute_badge_url(request, entry.micro_credential),
    )


def credential_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    page = selectors.get_credential_page(public_id=public_id, viewer=request.user)
    credential = page.credential
    context = {
        "page": page,
        "credential": credential,
        "micro_credential": credential.micro_credential,
        "access": get_credential_access(request.user, credential),
        "page_url": request.build_absolute_uri(request.path),
        "badge_url": _absolute_badge_url(request, credential.micro_credential),
        "share_title": f"{credential.micro_credential.title} — {page.holder_name}",
        "share_description": _("Issued by %(issuer)s on %(date)s. Status: %(status)s.")
        % {
            "issuer": credential.issuer.name,
            "date": date_format(credential.issued_at, "j F Y"),
            "status": page.status.label,
        },
    }
    return render(request, "credentials/credential_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def my_credentials(request: AuthenticatedHttpRequest) -> HttpResponse:
    # Only learners earn credentials; for other roles this page does not exist.
    if not can_keep_portfolio(request.user):
        raise Http404("No credentials here.")
    if request.method == "POST":
        return _set_visibility(request)
    credentials = selectors.list_learner_credentials(learner=request.user)
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
    credential = selectors.get_own_credential(
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
