"""The employers' directory: public profiles searched by skill, issuer, level and words."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.vary import vary_on_cookie

from credentials import saved_searches
from credentials.directory import cache as search_cache
from credentials.directory.forms import DirectorySearchForm
from credentials.directory.search import CursorError, Facet, search_directory
from credentials.forms import SavedSearchForm
from credentials.permissions import (
    can_save_searches,
    can_search_directory,
    visible_micro_credentials,
)
from credentials.selectors.catalogue import list_catalogue_issuers
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


# Where the per-user "Save this search" form goes in the cached part.
_SAVE_SEARCH_SLOT = "<!-- save-search -->"


@vary_on_cookie
def directory(request: HttpRequest) -> HttpResponse:
    if not can_search_directory(request.user):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied
    key = search_cache.search_key(request.GET)
    lookup = search_cache.get_search(key)
    search = lookup.search or _render_search(request.GET, key=key, version=lookup.version)
    # The cached part is the same for every searcher; the save form is theirs alone.
    # Its fields are rendered with the rest; only the CSRF token is added per request.
    save_search_form = (
        mark_safe(search.save_form_fields)  # noqa: S308  # rendered by Django's form
        if search.save_form_fields and can_save_searches(request.user)
        else None
    )
    etag = f'"{search.etag}-{"s" if save_search_form else "n"}"'
    if save_search_form is None and etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        response = render(
            request,
            "credentials/directory.html",
            {
                "search_head": mark_safe(search.head),  # noqa: S308  # rendered by the template below
                "search_tail": mark_safe(search.tail),  # noqa: S308
                "save_search_form": save_search_form,
            },
        )
    if save_search_form is None:
        # With a save form the page holds a CSRF token: no validator, never a 304.
        response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


def _render_search(params: QueryDict, *, key: str, version: str) -> search_cache.CachedSearch:
    """Search, render the part of the page the search decides, and keep it."""
    form = DirectorySearchForm(
        params,
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
    save_form_fields = ""
    if page is not None and form.is_valid():
        filters = form.filters()
        offer = SavedSearchForm(
            initial={
                "query": saved_searches.normalise_query(filters),
                "name": saved_searches.suggest_name(filters),
            }
        )
        save_form_fields = render_to_string(
            "credentials/_save_search_fields.html", {"save_search_form": offer}
        )
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
        "save_search_slot": mark_safe(_SAVE_SEARCH_SLOT),  # noqa: S308  # a constant
    }
    # No request: nothing of the searcher's may reach the shared part.
    html = render_to_string("credentials/_directory_search.html", context)
    head, _slot, tail = html.partition(_SAVE_SEARCH_SLOT)
    return search_cache.store_search(
        key, version=version, head=head, tail=tail, save_form_fields=save_form_fields
    )
