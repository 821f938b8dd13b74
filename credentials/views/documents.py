"""A learner's documents: their transcript (their own PDF, and the public one), a credential's
certificate, and their whole record as a signed CLR 2.0 credential.

Each PDF response carries the document's content hash as its ETag, so a reader who already
has this exact document gets a 304 before anything is rendered.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from credentials import transcripts
from credentials.pdfs import choose_page_size
from credentials.selectors import transcripts as documents
from credentials.vc.clr import EmptyRecordError, sign_learner_record
from credentials.vc.open_badges import serialize_document
from credentials.vc.status_list import SIGNING_UNAVAILABLE
from portfolio.http import AuthenticatedHttpRequest
from portfolio.permissions import can_keep_portfolio


def _is_fresh(request: HttpRequest, etag: str) -> bool:
    asked = request.headers.get("If-None-Match", "")
    return etag in {tag.strip() for tag in asked.split(",")}


def _pdf(pdf: bytes, *, filename: str, etag: str, private: bool) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["ETag"] = etag
    # Revalidated on every use: a revocation must show the next time it is opened.
    patch_cache_control(response, no_cache=True, private=private, public=not private)
    return response


def _not_modified(etag: str) -> HttpResponse:
    response = HttpResponseNotModified()
    response["ETag"] = etag
    return response


@require_safe
def public_transcript(request: HttpRequest, slug: str) -> HttpResponse:
    transcript = documents.get_public_transcript(
        slug=slug, now=timezone.now(), page_size=choose_page_size(request)
    )
    etag = f'"{transcript.content_hash()}"'
    if _is_fresh(request, etag):
        return _not_modified(etag)
    pdf = transcripts.get_transcript_pdf(transcript, tell_learner=False)
    if pdf is None:
        response = HttpResponse(
            _("This transcript is being prepared. Try again in a minute."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = "60"
        return response
    return _pdf(pdf, filename=f"transcript-{slug}.pdf", etag=etag, private=False)


@login_required
@require_safe
def my_transcript(request: AuthenticatedHttpRequest) -> HttpResponse:
    # Only learners hold credentials; for other roles there is no transcript.
    if not can_keep_portfolio(request.user):
        raise Http404("No transcript here.")
    transcript = documents.get_own_transcript(
        learner=request.user, now=timezone.now(), page_size=choose_page_size(request)
    )
    etag = f'"{transcript.content_hash()}"'
    if _is_fresh(request, etag):
        return _not_modified(etag)
    pdf = transcripts.get_transcript_pdf(transcript, tell_learner=True)
    if pdf is None:
        messages.info(
            request,
            _(
                "Your transcript lists %(count)d credentials, so it is being prepared. "
                "Your inbox will tell you when it is ready to download."
            )
            % {"count": len(transcript.entries)},
        )
        return redirect("dashboard")
    return _pdf(pdf, filename="transcript.pdf", etag=etag, private=True)


@require_safe
def credential_certificate(request: HttpRequest, public_id: UUID) -> HttpResponse:
    certificate = documents.get_certificate(
        public_id=public_id, viewer=request.user, page_size=choose_page_size(request)
    )
    etag = f'"{certificate.content_hash()}"'
    if _is_fresh(request, etag):
        return _not_modified(etag)
    pdf = transcripts.get_certificate_pdf(certificate)
    # Private: the issuer's staff may see a certificate nobody else can (a deactivated holder).
    return _pdf(pdf, filename=f"certificate-{public_id}.pdf", etag=etag, private=True)


@login_required
@require_safe
def my_learner_record(request: AuthenticatedHttpRequest) -> HttpResponse:
    """/me/clr.json: the learner's whole record, a ClrCredential signed for this download."""
    # Only learners hold credentials; for other roles there is no record.
    if not can_keep_portfolio(request.user):
        raise Http404("No learner record here.")
    try:
        record = sign_learner_record(learner=request.user)
    except EmptyRecordError:
        messages.info(request, _("You have no signed credential to put in a learner record yet."))
        return redirect("credentials:my-credentials")
    except SIGNING_UNAVAILABLE:
        response = HttpResponse(
            _(
                "Your learner record cannot be signed right now (this site has no usable "
                "signing key). Try again later.\n"
            ),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = "300"
        return response
    response = HttpResponse(
        serialize_document(record).encode("utf-8"), content_type="application/vc+ld+json"
    )
    response["Content-Disposition"] = 'attachment; filename="learner-record.json"'
    # Signed for this request, and theirs alone: a revocation leaves the next one at once.
    patch_cache_control(response, no_store=True, private=True)
    return response
