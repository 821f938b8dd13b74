"""Share links: the learner's secret, expiring links to their page (see credentials.public)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from credentials import services
from credentials.exceptions import ShareLinkNotAllowed
from credentials.forms import ShareLinkForm, ShareLinkRevokeForm
from credentials.models import ShareLink
from portfolio.http import AuthenticatedHttpRequest
from portfolio.permissions import can_keep_portfolio
from portfolio.refusals import show_as_message, show_on_form

DEFAULT_DAYS = 30


def _ensure_learner(request: AuthenticatedHttpRequest) -> None:
    # Only learners have a page to share; for other roles these pages do not exist.
    if not can_keep_portfolio(request.user) or not hasattr(request.user, "profile"):
        raise Http404("No page to share.")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def share_link_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _ensure_learner(request)
    today = timezone.localdate()
    form = ShareLinkForm(
        request.POST or None, initial={"expires_on": today + timedelta(days=DEFAULT_DAYS)}
    )
    new_link_url = ""
    if request.method == "POST" and form.is_valid():
        # The link works through the whole of its last day, in the site's time zone.
        expires_at = timezone.make_aware(
            datetime.combine(form.cleaned_data["expires_on"] + timedelta(days=1), time.min)
        )
        try:
            created = services.create_share_link(
                by=request.user, label=form.cleaned_data["label"], expires_at=expires_at
            )
        except ShareLinkNotAllowed as error:
            show_on_form(form, error)
        else:
            # Shown once, on this response only: the token is stored nowhere but here.
            new_link_url = request.build_absolute_uri(
                reverse(
                    "credentials:shared-portfolio",
                    args=[request.user.profile.slug, created.token],
                )
            )
            form = ShareLinkForm(initial={"expires_on": today + timedelta(days=DEFAULT_DAYS)})
    now = timezone.now()
    links = [
        (link, link.is_open_at(now), ShareLinkRevokeForm(initial={"share_link": link.pk}))
        for link in ShareLink.objects.filter(owner=request.user)
    ]
    context = {
        "form": form,
        "links": links,
        "new_link_url": new_link_url,
        "profile": request.user.profile,
    }
    response = render(request, "credentials/share_links.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def share_link_revoke(request: AuthenticatedHttpRequest) -> HttpResponse:
    _ensure_learner(request)
    form = ShareLinkRevokeForm(request.POST)
    if not form.is_valid():
        raise Http404("No such share link.")
    try:
        link = services.revoke_share_link(
            share_link_id=form.cleaned_data["share_link"], by=request.user
        )
    except ShareLinkNotAllowed as error:
        show_as_message(request, error)
    else:
        messages.success(
            request, _("The link for “%(label)s” no longer works.") % {"label": link.label}
        )
    return redirect("credentials:share-links")
