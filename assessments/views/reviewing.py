"""The assessor's side: the queue, claiming, the review page and the frozen evidence files.

The queue belongs to assessors (others get a 404). The review page is for anyone who may
see the application (assigned assessors, the issuer's staff); only the assessor holding the
claim gets the decision form, and the services refuse anyone else's decision regardless.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assessments import selectors
from assessments.exceptions import AssessmentError
from assessments.forms.reviewing import QueueFilterForm, ReviewForm
from assessments.models import Application, Review
from assessments.permissions import (
    can_use_review_queue,
    get_application_for,
    get_submitted_evidence_for,
)
from assessments.services import reviewing
from assessments.services.reviewing import ScoreInput

# The evidence library's own streaming, so frozen copies get exactly the same safe headers.
from portfolio.files import serve_file, serve_thumbnail
from portfolio.http import AuthenticatedHttpRequest
from portfolio.models import User
from portfolio.permissions import AnyUser
from portfolio.refusals import show_as_message, show_on_form

PAGE_SIZE = 25


class _Decide(Protocol):
    def __call__(
        self,
        *,
        application_id: int,
        by: User,
        scores: dict[int, ScoreInput],
        feedback: str,
    ) -> Application: ...


DECISIONS: dict[str, _Decide] = {
    Review.Decision.APPROVE: reviewing.approve_application,
    Review.Decision.REQUEST_CHANGES: reviewing.request_changes,
    Review.Decision.REJECT: reviewing.reject_application,
}


@dataclass(frozen=True)
class QueueRow:
    application: Application
    waiting_days: int


def _ensure_assessor(user: AnyUser) -> None:
    if not can_use_review_queue(user):
        raise Http404("No review queue here.")


def _name_parties(application: Application) -> dict[str, str]:
    return {
        "learner": application.learner.profile.display_name,
        "title": application.micro_credential.title,
    }


def _describe_decision(decision: str, application: Application) -> str:
    names = _name_parties(application)
    if decision == Review.Decision.APPROVE:
        return _("Approved. %(learner)s has been issued “%(title)s”.") % names
    if decision == Review.Decision.REQUEST_CHANGES:
        return (
            _("Changes requested. %(learner)s has been sent your feedback on “%(title)s”.") % names
        )
    return _("Rejected. %(learner)s has been sent your feedback on “%(title)s”.") % names


@login_required
@require_http_methods(["GET", "HEAD"])
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    _ensure_assessor(request.user)
    counts = selectors.get_queue_counts(assessor=request.user)
    filters = QueueFilterForm(request.GET, counts=counts.per_credential)
    # An unknown credential or age in the query string is shown as an error and ignored.
    filters.is_valid()
    micro_credential_id = filters.cleaned_data.get("micro_credential")
    waiting = filters.cleaned_data.get("waiting")
    applications = selectors.list_review_queue(
        assessor=request.user,
        micro_credential_id=micro_credential_id,
        waiting_more_than_days=waiting,
    )
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    context = {
        "counts": counts,
        "filters": filters,
        "is_filtered": micro_credential_id is not None or waiting is not None,
        "page_obj": page,
        "rows": [
            QueueRow(
                application,
                (now - application.submitted_at).days if application.submitted_at else 0,
            )
            for application in page.object_list
        ],
        "in_progress": list(selectors.list_reviews_in_progress(assessor=request.user)),
    }
    return render(request, "assessments/queue.html", context)


@login_required
@require_POST
def claim(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _ensure_assessor(request.user)
    # Visibility before the transition: an application this assessor may not see answers
    # 404, as an unknown one does, rather than a refusal that confirms it exists.
    get_application_for(request.user, pk)
    try:
        application = reviewing.claim_application(application_id=pk, by=request.user)
    except AssessmentError as error:
        show_as_message(request, error)
        return redirect("assessments:queue")
    messages.success(
        request,
        _(
            "You claimed the application from %(learner)s for “%(title)s”. Other assessors "
            "no longer see it in their queues."
        )
        % _name_parties(application),
    )
    return redirect("assessments:review", pk)


@login_required
@require_POST
def release(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _ensure_assessor(request.user)
    # Visibility before the transition: an application this assessor may not see answers
    # 404, as an unknown one does, rather than a refusal that confirms it exists.
    get_application_for(request.user, pk)
    try:
        application = reviewing.release_application(application_id=pk, by=request.user)
    except AssessmentError as error:
        show_as_message(request, error)
        return redirect("assessments:queue")
    messages.success(
        request,
        _("You released the application from %(learner)s for “%(title)s”. It is back in the queue.")
        % _name_parties(application),
    )
    return redirect("assessments:queue")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    access = get_application_for(request.user, pk)
    application = access.application
    if access.is_applicant:
        # A learner follows their own application on its own page.
        return redirect("assessments:application-detail", pk)
    sheet = selectors.get_review_sheet(application=application)
    criteria = [row.criterion for row in sheet.criteria]
    can_decide = access.can_review
    form = None
    if request.method == "POST":
        # Bound for anyone, so the services (not this view) refuse a decision that is not theirs.
        form = ReviewForm(request.POST, criteria=criteria)
        if _record_decision(request, application, form):
            return redirect("assessments:queue")
    elif can_decide:
        form = ReviewForm(criteria=criteria)
    context = {
        "access": access,
        "application": application,
        "sheet": sheet,
        "can_decide": can_decide,
        "can_claim": access.can_claim,
        "can_release": access.can_release,
        "form": form,
        "rows": [
            (row, *form.get_criterion_fields(row.criterion))
            if form is not None and can_decide
            else (row, None, None)
            for row in sheet.criteria
        ],
        "history": selectors.list_history(application=application),
    }
    return render(request, "assessments/review.html", context)


def _record_decision(
    request: AuthenticatedHttpRequest, application: Application, form: ReviewForm
) -> bool:
    """Call the decision's service; on refusal keep the bound form and say why."""
    if not form.is_valid():
        messages.error(request, _("Your decision was not recorded. Check the fields marked below."))
        return False
    decision = form.cleaned_data["decision"]
    try:
        DECISIONS[decision](
            application_id=application.pk,
            by=request.user,
            scores=form.collect_scores(),
            feedback=form.cleaned_data["feedback"],
        )
    except AssessmentError as error:
        show_on_form(form, error)
        show_as_message(request, error)
        return False
    messages.success(request, _describe_decision(decision, application))
    return True


@require_http_methods(["GET", "HEAD"])
def submitted_evidence_file(request: HttpRequest, pk: int) -> FileResponse:
    evidence = get_submitted_evidence_for(request.user, pk)
    if not evidence.file:
        raise Http404("This evidence has no file.")
    return serve_file(
        stored_name=evidence.file.name,
        content_type=evidence.content_type,
        original_filename=evidence.original_filename,
    )


@require_http_methods(["GET", "HEAD"])
def submitted_evidence_thumbnail(request: HttpRequest, pk: int) -> FileResponse:
    evidence = get_submitted_evidence_for(request.user, pk)
    return serve_thumbnail(
        thumbnail_name=evidence.thumbnail.name,
        stored_name=evidence.file.name,
        original_filename=evidence.original_filename,
    )
