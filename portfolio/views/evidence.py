"""The learner's evidence library, and the views that stream its stored files.

The library itself (list, add, edit, delete) belongs to learners: other roles get a 404, as
if it did not exist. An item's page and its files go through permissions.get_evidence_for, so
the owner sees them, anyone sees a public item on a public profile, and everyone else gets a
404 (never a 403, which would confirm the item exists).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portfolio.files import (
    IMAGE_TYPES,
    PDF_TYPE,
    build_download_name,
    describe_stored_file,
    serve_file,
    serve_thumbnail,
)
from portfolio.forms.evidence import EvidenceFilterForm, build_evidence_form
from portfolio.http import AuthenticatedHttpRequest
from portfolio.models import EvidenceItem
from portfolio.permissions import (
    AnyUser,
    can_edit_evidence,
    can_keep_portfolio,
    get_editable_evidence_for,
    get_evidence_for,
)
from portfolio.refusals import show_on_form
from portfolio.selectors import list_evidence
from portfolio.services.evidence import (
    EvidenceError,
    create_evidence,
    delete_evidence,
    update_evidence,
)

PAGE_SIZE = 12
ADD_LABELS = {
    EvidenceItem.Kind.FILE: "Upload a file",
    EvidenceItem.Kind.IMAGE: "Upload an image",
    EvidenceItem.Kind.LINK: "Add a link",
    EvidenceItem.Kind.REFLECTION: "Write a reflection",
}


def _ensure_learner(user: AnyUser) -> None:
    if not can_keep_portfolio(user):
        raise Http404("No evidence library here.")


def _safe_next(request: HttpRequest) -> str:
    """Where to go back to after adding evidence (e.g. the application being drafted).

    Only a path on this site is accepted, so the parameter cannot become an open redirect.
    """
    target = request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@login_required
def evidence_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _ensure_learner(request.user)
    filters = EvidenceFilterForm(request.GET, owner=request.user)
    # An unknown kind or skill in the query string is shown as an error and ignored.
    filters.is_valid()
    kind = filters.cleaned_data.get("kind") or None
    skill = filters.cleaned_data.get("skill")
    items = list_evidence(owner=request.user, kind=kind, skill=skill)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page,
        "filters": filters,
        "is_filtered": kind is not None or skill is not None,
    }
    return render(request, "portfolio/evidence_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def evidence_create(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    _ensure_learner(request.user)
    if kind not in EvidenceItem.Kind.values:
        raise Http404("No such kind of evidence.")
    if request.method == "POST":
        form = build_evidence_form(kind, data=request.POST, files=request.FILES)
        if form.is_valid():
            try:
                item = create_evidence(by=request.user, kind=kind, **form.cleaned_data)
            except EvidenceError as error:
                show_on_form(form, error)
            else:
                messages.success(
                    request,
                    _("Added “%(title)s” to your evidence library.") % {"title": item.title},
                )
                return_to = _safe_next(request)
                return redirect(return_to or reverse("portfolio:evidence-detail", args=[item.pk]))
        messages.error(request, _("The evidence was not saved. Check the fields marked below."))
    else:
        form = build_evidence_form(kind)
    context = {
        "form": form,
        "kind": kind,
        "heading": ADD_LABELS[EvidenceItem.Kind(kind)],
        "return_to": _safe_next(request),
    }
    return render(request, "portfolio/evidence_form.html", context)


def evidence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_evidence_for(request.user, pk)
    context = {
        "item": item,
        "skills": item.skills.all(),
        "can_edit": can_edit_evidence(request.user, item),
        "is_pdf": item.content_type == PDF_TYPE,
        "is_image": item.kind == EvidenceItem.Kind.IMAGE and item.content_type in IMAGE_TYPES,
        "download_name": (
            build_download_name(
                stored_name=item.file.name, original_filename=item.original_filename
            )
            if item.file
            else ""
        ),
        "file_label": describe_stored_file(item.file.name) if item.file else "",
    }
    return render(request, "portfolio/evidence_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def evidence_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _ensure_learner(request.user)
    item = get_editable_evidence_for(request.user, pk)
    if request.method == "POST":
        form = build_evidence_form(item.kind, item=item, data=request.POST, files=request.FILES)
        if form.is_valid():
            try:
                item = update_evidence(item_id=item.pk, by=request.user, **form.cleaned_data)
            except EvidenceError as error:
                show_on_form(form, error)
            else:
                messages.success(
                    request, _("Saved your changes to “%(title)s”.") % {"title": item.title}
                )
                return redirect("portfolio:evidence-detail", item.pk)
        messages.error(request, _("Your changes were not saved. Check the fields marked below."))
    else:
        form = build_evidence_form(item.kind, item=item)
    context = {"form": form, "item": item, "kind": item.kind, "heading": _("Edit evidence")}
    return render(request, "portfolio/evidence_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def evidence_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _ensure_learner(request.user)
    item = get_editable_evidence_for(request.user, pk)
    if request.method == "POST":
        delete_evidence(item_id=item.pk, by=request.user)
        messages.success(
            request, _("Deleted “%(title)s” from your evidence library.") % {"title": item.title}
        )
        return redirect("portfolio:evidence-list")
    return render(request, "portfolio/evidence_confirm_delete.html", {"item": item})


@require_http_methods(["GET", "HEAD"])
def evidence_file(request: HttpRequest, pk: int) -> FileResponse:
    item = get_evidence_for(request.user, pk)
    if not item.file:
        raise Http404("This evidence has no file.")
    return serve_file(
        stored_name=item.file.name,
        content_type=item.content_type,
        original_filename=item.original_filename,
    )


@require_http_methods(["GET", "HEAD"])
def evidence_thumbnail(request: HttpRequest, pk: int) -> FileResponse:
    item = get_evidence_for(request.user, pk)
    return serve_thumbnail(
        thumbnail_name=item.thumbnail.name,
        stored_name=item.file.name,
        original_filename=item.original_filename,
    )
