"""Pages that gather pieces of several apps; each app contributes through its selectors."""

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseServerError,
)
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from assessments import selectors as assessment_selectors
from assessments.permissions import can_edit_application, can_use_review_queue
from credentials.directory.forms import DirectoryQuickSearchForm
from credentials.forms import VerifyForm
from credentials.permissions import can_bulk_issue
from credentials.selectors import contact_requests, credential_pages, invitations, saved_searches
from credentials.views.catalogue import get_micro_credential_page
from portfolio import selectors
from portfolio.http import AuthenticatedHttpRequest
from portfolio.permissions import can_keep_portfolio, is_employer

logger = logging.getLogger(__name__)

DASHBOARD_ROWS = 6


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    context = {"directory_search": DirectoryQuickSearchForm(), "verify_form": VerifyForm()}
    return render(request, "pages/home.html", context)


@require_http_methods(["GET", "HEAD"])
def favicon(request: HttpRequest) -> HttpResponse:
    # Browsers ask for /favicon.ico on documents that name no icon, e.g. a PDF shown inline.
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    context: dict[str, object] = {
        "role": user.get_role_display(),
        "open_invitation_count": invitations.count_open_invitations(user=user),
        "directory_search": DirectoryQuickSearchForm(),
    }
    if can_keep_portfolio(user):
        context |= {
            "profile": selectors.get_profile_for_owner(user=user),
            "evidence_counts": selectors.count_evidence_by_kind(owner=user),
            "recent_evidence": selectors.list_evidence(owner=user)[:DASHBOARD_ROWS],
            "credentials": credential_pages.list_learner_credentials(learner=user)[:DASHBOARD_ROWS],
            "open_applications": assessment_selectors.list_open_applications_for_learner(
                learner=user
            )[:DASHBOARD_ROWS],
            "open_contact_request_count": contact_requests.count_open_contact_requests(user=user),
        }
    elif is_employer(user):
        context |= {
            "is_employer": True,
            "verify_form": VerifyForm(),
            "sent_contact_requests": contact_requests.list_contact_requests(user=user)[
                :DASHBOARD_ROWS
            ],
            # All of them: an employer keeps at most SAVED_SEARCHES_PER_EMPLOYER.
            "saved_searches": saved_searches.list_saved_searches(user=user),
        }
    elif can_use_review_queue(user):
        context |= {
            "queue_counts": assessment_selectors.get_queue_counts(assessor=user),
            "in_review": assessment_selectors.list_reviews_in_progress(assessor=user)[
                :DASHBOARD_ROWS
            ],
        }
    return render(request, "pages/dashboard.html", context)


def micro_credential_detail(request: HttpRequest, slug: str) -> HttpResponse:
    page = get_micro_credential_page(request, slug)
    open_application = None
    if page.learner is not None and page.held_credential is None:
        open_application = assessment_selectors.get_open_application(
            learner=page.learner, micro_credential_id=page.micro_credential.pk
        )
    context = page.context() | {
        "open_application": open_application,
        "can_apply": page.access.can_apply
        and page.held_credential is None
        and open_application is None,
        "can_bulk_issue": can_bulk_issue(request.user, page.micro_credential),
    }
    if open_application is not None:
        # Carry on where the learner can: editing a draft, otherwise following its review.
        name = (
            "application-edit"
            if can_edit_application(request.user, open_application)
            else "application-detail"
        )
        context["continue_url"] = reverse(f"assessments:{name}", args=[open_application.pk])
    return render(request, "credentials/micro_credential_detail.html", context)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 400 page, without re-running the CSRF check on the request that was refused.

    Django's own handler is wrapped in requires_csrf_token, which reads the form again: a
    body that could not be parsed the first time (a form in another charset than UTF-8, an
    oversized body) raised again there and turned a 400 into a 500.
    """
    return render(request, "400.html", status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page in the site's look, rendered without the request.

    Whatever failed (the database, a context processor, the session) may fail again, so the
    template gets only the site name and the stylesheet's address, and a plain text answer
    is the last resort.
    """
    try:
        stylesheet = static("css/site.css")
    except ValueError:  # not in the static manifest, e.g. collectstatic not run
        stylesheet = ""
    html: str
    try:
        html = render_to_string(
            "500.html", {"SITE_NAME": settings.SITE_NAME, "stylesheet": stylesheet}
        )
    except Exception:  # the error page must answer whatever broke
        logger.exception("The 500 page itself failed to render")
        html = "<h1>Server Error (500)</h1>"
    return HttpResponseServerError(html)
