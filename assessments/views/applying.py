"""The learner's side of applying: start, draft, submit, follow and withdraw applications.

Every page here belongs to the learner who owns the application: anyone else gets a 404
from permissions.get_own_application_for, as if the application did not exist. What the
learner may do with it (edit, submit, withdraw) comes with it, decided there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from assessments import selectors
from assessments.exceptions import AssessmentError
from assessments.forms.applying import CriterionResponseForm, WithdrawForm
from assessments.models import Application, CriterionScore, Review
from assessments.permissions import (
    ApplicationAccess,
    can_apply,
    can_edit_application,
    get_own_application_for,
    get_own_applications_for,
)
from assessments.services import applying
from credentials.permissions import get_micro_credential_for
from portfolio.http import AuthenticatedHttpRequest
from portfolio.models import EvidenceItem, User
from portfolio.refusals import show_as_message, show_on_form
from portfolio.selectors import has_display_name, list_evidence

PAGE_SIZE = 20
UNSAVED = gettext_lazy("Some answers were not saved. Check the criteria marked below.")
ADD_EVIDENCE_LABELS = {
    EvidenceItem.Kind.FILE: gettext_lazy("Upload a file"),
    EvidenceItem.Kind.IMAGE: gettext_lazy("Upload an image"),
    EvidenceItem.Kind.LINK: gettext_lazy("Add a link"),
    EvidenceItem.Kind.REFLECTION: gettext_lazy("Write a reflection"),
}


@dataclass(frozen=True)
class CriterionSection:
    """One rubric criterion on the edit page: the learner's form and the assessor's score."""

    form: CriterionResponseForm
    score: CriterionScore | None

    @property
    def is_complete(self) -> bool:
        # The same rule submit_application enforces, on what is saved.
        response = self.form.response
        return bool(response.statement) and bool(response.evidence_items.all())


def _ensure_learner(user: User) -> None:
    if not can_apply(user):
        raise Http404("No applications here.")


def _describe_status(application: Application) -> str:
    return str(Application.Status(application.status).label).lower()


def _choose_next_page(user: User, application: Application) -> str:
    """Where the learner carries on with an application: editing it if they still can."""
    name = "application-edit" if can_edit_application(user, application) else "application-detail"
    return reverse(f"assessments:{name}", args=[application.pk])


@login_required
def application_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _ensure_learner(request.user)
    applications = selectors.list_applications_for_learner(learner=request.user)
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page,
        "accesses": get_own_applications_for(request.user, page.object_list),
    }
    return render(request, "assessments/application_list.html", context)


@login_required
@require_POST
def application_start(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    _ensure_learner(request.user)
    # Visibility before the transition: a draft's slug answers exactly like an unknown one.
    micro_credential = get_micro_credential_for(request.user, slug)
    try:
        application = applying.start_application(
            by=request.user, micro_credential_id=micro_credential.pk
        )
    except AssessmentError as error:
        existing = selectors.get_open_application(
            learner=request.user, micro_credential_id=micro_credential.pk
        )
        if existing is None:
            show_as_message(request, error)
            return redirect("credentials:micro-credential-detail", slug)
        show_as_message(request, error, level=messages.INFO)
        return redirect(_choose_next_page(request.user, existing))
    messages.success(
        request,
        _(
            "Started your application for %(title)s. Write a statement and link evidence for "
            "each criterion, then submit it."
        )
        % {"title": application.micro_credential.title},
    )
    return redirect("assessments:application-edit", application.pk)


@dataclass(frozen=True)
class EditPage:
    application: Application
    sections: list[CriterionSection]
    # The decision that sent the application back, shown while the learner makes changes.
    review: Review | None

    @property
    def complete_count(self) -> int:
        return sum(section.is_complete for section in self.sections)


def _build_edit_page(
    access: ApplicationAccess, learner: User, data: Mapping[str, object] | None = None
) -> EditPage:
    application = access.application
    # The checklist shows no skills, so the library selector's skill prefetch is dropped.
    evidence = list(list_evidence(owner=learner).prefetch_related(None))
    review = None
    if access.has_changes_requested:
        review = selectors.get_latest_review(application=application)
    scores = {score.criterion_id: score for score in review.scores.all()} if review else {}
    sections = [
        CriterionSection(
            form=CriterionResponseForm(data, response=response, evidence=evidence),
            score=scores.get(response.criterion_id),
        )
        for response in selectors.list_responses(application=application)
    ]
    return EditPage(application=application, sections=sections, review=review)


def _render_edit(request: AuthenticatedHttpRequest, page: EditPage) -> HttpResponse:
    context = {
        "page": page,
        "application": page.application,
        "add_evidence": [(kind, str(label)) for kind, label in ADD_EVIDENCE_LABELS.items()],
        "needs_name": not has_display_name(learner=request.user),
    }
    return render(request, "assessments/application_edit.html", context)


def _save_answers(request: AuthenticatedHttpRequest, sections: list[CriterionSection]) -> bool:
    """Save every criterion's answer; False, with the reasons on the forms, if any failed.

    Criteria are saved one by one, so one refused answer does not cost the others.
    """
    saved_all = True
    for section in sections:
        form = section.form
        # A criterion missing from the POST is left alone rather than blanked.
        if not form.is_posted:
            continue
        if not form.is_valid():
            saved_all = False
            continue
        try:
            applying.save_response(
                application_id=form.response.application_id,
                by=request.user,
                criterion_id=form.response.criterion_id,
                **form.cleaned_data,
            )
        except AssessmentError as error:
            show_on_form(form, error)
            saved_all = False
    return saved_all


def _refuse_editing(request: AuthenticatedHttpRequest, application: Application) -> HttpResponse:
    messages.info(
        request,
        _("An application that is %(status)s cannot be edited.")
        % {"status": _describe_status(application)},
    )
    return redirect("assessments:application-detail", application.pk)


@login_required
@require_http_methods(["GET", "POST"])
def application_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    access = get_own_application_for(request.user, pk)
    application = access.application
    if not access.can_edit:
        return _refuse_editing(request, application)
    page = _build_edit_page(
        access, request.user, request.POST if request.method == "POST" else None
    )
    if request.method == "GET":
        return _render_edit(request, page)
    if not _save_answers(request, page.sections):
        messages.error(request, UNSAVED)
        return _render_edit(request, page)
    messages.success(request, _("Saved your draft."))
    kind = request.POST.get("add_evidence", "")
    if kind in EvidenceItem.Kind.values:
        # Back to this page once the evidence is added (where the library honours ?next=).
        next_url = reverse("assessments:application-edit", args=[pk])
        create_url = reverse("portfolio:evidence-create", args=[kind])
        return redirect(f"{create_url}?{urlencode({'next': next_url})}")
    return redirect("assessments:application-edit", pk)


@login_required
@require_POST
def application_submit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    access = get_own_application_for(request.user, pk)
    application = access.application
    if not access.can_submit:
        return _refuse_editing(request, application)
    # The edit page's "Save and submit" posts the answers too: save them first, so a
    # refused submission loses nothing (the answers are then the saved draft).
    page = _build_edit_page(access, request.user, request.POST)
    has_answers = any(section.form.is_posted for section in page.sections)
    if has_answers and not _save_answers(request, page.sections):
        messages.error(request, UNSAVED)
        return _render_edit(request, page)
    try:
        application = applying.submit_application(application_id=pk, by=request.user)
    except AssessmentError as error:
        show_as_message(request, error)
        if has_answers:
            messages.info(request, _("Your answers are saved as a draft."))
        return redirect("assessments:application-edit", pk)
    messages.success(
        request,
        _("Submitted your application for %(title)s. We will tell you when an assessor takes it.")
        % {"title": application.micro_credential.title},
    )
    return redirect("assessments:application-detail", pk)


@login_required
def application_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    access = get_own_application_for(request.user, pk)
    application = access.application
    context = {
        "access": access,
        "application": application,
        "history": selectors.list_history(application=application),
        "reviews": selectors.list_reviews(application=application),
        "statements": selectors.list_submitted_statements(
            application=application, round_number=application.round
        ),
    }
    return render(request, "assessments/application_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def application_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    access = get_own_application_for(request.user, pk)
    application = access.application
    if not access.can_withdraw:
        messages.info(
            request,
            _("An application that is %(status)s can no longer be withdrawn.")
            % {"status": _describe_status(application)},
        )
        return redirect("assessments:application-detail", pk)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            applying.withdraw_application(
                application_id=pk, by=request.user, comment=form.cleaned_data["comment"]
            )
        except AssessmentError as error:
            show_as_message(request, error)
        else:
            messages.success(
                request,
                _("Withdrew your application for %(title)s.")
                % {"title": application.micro_credential.title},
            )
        return redirect("assessments:application-detail", pk)
    if form.is_bound:
        messages.error(request, _("The application was not withdrawn. Check the comment below."))
    return render(
        request, "assessments/application_withdraw.html", {"application": application, "form": form}
    )
