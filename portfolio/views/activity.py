"""The activity page: the event log as each reader may see it (portfolio.activity)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from portfolio.activity import (
    describe_events,
    filter_events,
    list_readable_scopes,
    sees_every_event,
    visible_events,
)
from portfolio.forms.activity import ActivityFilterForm
from portfolio.http import AuthenticatedHttpRequest

PAGE_SIZE = 25
FILTERS = ("verb", "actor", "since", "until")


@login_required
@require_http_methods(["GET", "HEAD"])
def activity(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = ActivityFilterForm(request.GET)
    everything = sees_every_event(request.user)
    scopes = [] if everything else list_readable_scopes(request.user)
    events = visible_events(request.user, scopes=scopes).select_related("actor__profile")
    is_filtered = any(request.GET.get(name) for name in FILTERS)
    if filters.is_valid():
        events = filter_events(
            events,
            verb=filters.cleaned_data["verb"],
            actor=filters.cleaned_data["actor"],
            since=filters.cleaned_data["since"],
            until=filters.cleaned_data["until"],
        )
    else:
        # Shown with the form's errors: better nothing than events the reader did not ask for.
        events = events.none()
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filters": filters,
        "is_filtered": is_filtered,
        "page_obj": page,
        "lines": describe_events(request.user, list(page.object_list)),
        "sees_everything": everything,
        "reads_organisations": bool(scopes),
    }
    return render(request, "portfolio/activity.html", context)
