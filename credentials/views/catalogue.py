"""The catalogue of micro-credentials and the page of each (composed in config.views)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.messages import get_messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers

from credentials import page_cache
from credentials.forms import CatalogueFilterForm
from credentials.models import IssuedCredential, MicroCredential
from credentials.permissions import MicroCredentialAccess, get_micro_credential_access
from credentials.selectors import catalogue as catalogue_selectors
from credentials.selectors.catalogue import CatalogueEntry
from credentials.views.open_graph import build_absolute_badge_url
from portfolio.models import User

PAGE_SIZE = 12
# The page numbers whose unfiltered catalogue is cached; others are rendered each time, so
# made-up query strings cannot fill the cache.
CACHED_PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,2}")


def catalogue(request: HttpRequest) -> HttpResponse:
    page_number = request.GET.get("page", "1")
    if (
        request.user.is_authenticated
        or set(request.GET) - {"page"}
        or not CACHED_PAGE_NUMBER.fullmatch(page_number)
        or len(get_messages(request))
    ):
        # Searches, odd page numbers and signed-in or messaged visitors: rendered for them.
        return render(request, "credentials/catalogue.html", _catalogue_context(request))
    # The unfiltered catalogue, the same for every visitor: kept until the catalogue changes
    # (credentials.page_cache), with no query at all for a page already kept.
    origin = f"{request.scheme}://{request.get_host()}"
    lookup = page_cache.get_catalogue_page(variant=page_number, origin=origin)
    page = lookup.page
    if page is None:
        content = render_to_string(
            "credentials/catalogue.html", _catalogue_context(request), request
        ).encode()
        page = page_cache.store_catalogue_page(
            variant=page_number,
            origin=origin,
            version=lookup.version,
            content=content,
            now=timezone.now(),
        )
    response = HttpResponse(page.content)
    response["ETag"] = page.etag
    # Browsers keep the page but ask each time; an unchanged page costs them a 304.
    patch_cache_control(response, no_cache=True)
    patch_vary_headers(response, ["Cookie"])
    not_modified = get_conditional_response(request, etag=page.etag, response=response)
    return not_modified if not_modified is not None else response


def _catalogue_context(request: HttpRequest) -> dict[str, object]:
    filters = CatalogueFilterForm(request.GET, issuers=catalogue_selectors.list_catalogue_issuers())
    # An unknown level or issuer in the query string is shown as an error and ignored.
    filters.is_valid()
    data = filters.cleaned_data
    entries = catalogue_selectors.list_catalogue(
        query=data.get("q") or "", level=data.get("level") or "", issuer=data.get("issuer")
    )
    return {
        "filters": filters,
        "page_obj": Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page")),
        "is_filtered": any(request.GET.get(name) for name in ("q", "level", "issuer")),
    }


@dataclass(frozen=True)
class MicroCredentialPage:
    """What this app knows for a micro-credential's page.

    The page itself is config.views.micro_credential_detail, because it also shows the
    learner's open application, which this app never reads.
    """

    entry: CatalogueEntry
    access: MicroCredentialAccess
    held_credential: IssuedCredential | None
    page_url: str
    badge_url: str

    @property
    def micro_credential(self) -> MicroCredential:
        return self.entry.micro_credential

    @property
    def learner(self) -> User | None:
        """The learner whose holding and application the page shows, if the user is one."""
        return self.access.applicant

    def context(self) -> dict[str, object]:
        micro_credential = self.micro_credential
        return {
            "entry": self.entry,
            "micro_credential": micro_credential,
            "access": self.access,
            "held_credential": self.held_credential,
            "page_url": self.page_url,
            "badge_url": self.badge_url,
        }


def get_micro_credential_page(request: HttpRequest, slug: str) -> MicroCredentialPage:
    """The page's pieces from this app; Http404 for a micro-credential not in the catalogue."""
    entry = catalogue_selectors.get_catalogue_entry(slug=slug)
    access = get_micro_credential_access(request.user, entry.micro_credential)
    held = None
    if access.applicant is not None:
        held = catalogue_selectors.get_valid_credential(
            learner=access.applicant, micro_credential=entry.micro_credential
        )
    return MicroCredentialPage(
        entry=entry,
        access=access,
        held_credential=held,
        page_url=request.build_absolute_uri(request.path),
        badge_url=build_absolute_badge_url(request, entry.micro_credential),
    )
