"""The employers' directory: public profiles searched by skill, issuer, level and words."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone

from credentials.directory.forms import DirectorySearchForm
from credentials.directory.search import CursorError, Facet, search_directory
from credentials.permissions import can_search_directory, visible_micro_credentials
from credentials.selectors.catalogue import list_catalogue_issuers
from credentials.views.saved_searches import save_search_offer
from portfolio.models import Skill

# What the search is about; "after" and "before" only say which page.
SEARCH_FIELDS = ("q", "skill", "verified", "issuer", "micro_credential", "level", "location")


def _link(params: QueryDict, **changes: list[str]) -> str:
    query = params.copy()
    query.pop("after", None)
    query.pop("before", None)
    for name, values in changes.items():
        query.setlist(name, values)
    return f"?{query.urlencode()}"


def _with_links(facets: list[Facet], params: QueryDict, name: str) -> list[tuple[Facet, str]]:
    chosen = params.getlist(name)
    return [
        (facet, _link(params, **{name: [*chosen, facet.slug] if name == "skill" else [facet.slug]}))
        for facet in facets
        if facet.slug not in chosen
    ]


def directory(request: HttpRequest) -> HttpResponse:
    if not can_search_directory(request.user):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied
    form = DirectorySearchForm(
        request.GET,
        skills=Skill.objects.only("id", "name", "slug").order_by("name"),
        issuers=list_catalogue_issuers(),
        micro_credentials=visible_micro_credentials().order_by("title"),
    )
    page = None
    if form.is_valid():
        try:
            page = search_directory(
                form.filters(),
                now=timezone.now(),
                after=form.cursor(),
                before=form.before_cursor(),
            )
        except CursorError:
            form.add_error("after", "This page link is broken; start again from the first page.")
    params = request.GET
    context = {
        "form": form,
        "page": page,
        "is_filtered": any(params.get(name) for name in SEARCH_FIELDS),
        # A "before" link that reaches the start gives the first page, which has no previous.
        "is_later_page": bool(params.get("after"))
        or (page is not None and page.previous_cursor is not None),
        "first_page_url": _link(params),
        "next_page_url": _link(params, after=[page.next_cursor.encode()])
        if page is not None and page.next_cursor is not None
        else "",
        "previous_page_url": _link(params, before=[page.previous_cursor.encode()])
        if page is not None and page.previous_cursor is not None
        else "",
        "recent_sort_url": _link(params, sort=["recent"]),
        "skill_facets": _with_links(page.skill_facets, params, "skill") if page else [],
        "issuer_facets": _with_links(page.issuer_facets, params, "issuer") if page else [],
        "save_search_form": save_search_offer(request.user, form) if page else None,
    }
    return render(request, "credentials/directory.html", context)
