"""PDF transcripts and certificates: rendered once per content, cached, large ones in the background.

A document is named by the hash of what it shows (credentials.selectors.transcripts), and its
bytes are kept in the cache under that name, so downloading it again, by anyone, renders
nothing until something it shows changes. Each learner's cached documents are also listed
under the learner, so the events that change what they show (a revocation, a credential
hidden or shown, a profile edited) drop them at once (credentials.subscribers) rather than
leaving them for the cache to expire.

A transcript of more than TRANSCRIPT_BACKGROUND_THRESHOLD credentials takes a second or more
to lay out, so it is rendered by a Celery task and the learner is told in their inbox when
it is ready. Nothing is lost or done twice when the broker fails: a marker added atomically
to the cache lets only one request enqueue each document; if the broker refuses the task the
marker is dropped and the request renders the document itself, and if a worker dies holding
it the task is delivered again (acks_late; rendering is idempotent) or the marker expires
and the next request enqueues it again.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from credentials import notification_kinds
from credentials.pdfs import render_pdf, static_url_for_pdf
from credentials.qr import make_qr_data_uri, make_qr_svg
from credentials.selectors.transcripts import (
    Certificate,
    Transcript,
    get_own_transcript,
    short_url,
)
from portfolio.models import User
from portfolio.services.notifications import notify

logger = logging.getLogger(__name__)

CACHE_TIMEOUT = int(timedelta(days=7).total_seconds())
# A learner's documents are listed for invalidation; one a day, per paper size and certificate,
# stays well within this over CACHE_TIMEOUT.
LISTED_PER_LEARNER = 100
# Longer than a render takes on a busy worker; a marker left by a lost task expires after it.
PENDING_TIMEOUT = int(timedelta(minutes=10).total_seconds())


def _pdf_key(kind: str, digest: str) -> str:
    return f"pdf:{kind}:{digest}"


def _learner_key(learner_id: int) -> str:
    return f"pdf:learner:{learner_id}"


def _pending_key(digest: str) -> str:
    return f"pdf:pending:{digest}"


@lru_cache(maxsize=2048)
def _qr_png(url: str) -> str:
    # A credential's URL never changes, so its code is drawn once per process. PNG rather than
    # SVG: a transcript has one per credential, and WeasyPrint writes SVG paths slowly
    # (benchmarks/README.md).
    return make_qr_data_uri(url)


def _qr_svg(url: str) -> SafeString:
    return make_qr_svg(url, title=_("QR code of %(url)s") % {"url": url})


def render_transcript_html(transcript: Transcript) -> str:
    """The transcript as the HTML document WeasyPrint lays out."""
    return render_to_string(
        "credentials/pdf/transcript.html",
        {
            "transcript": transcript,
            "entries": [
                (entry, _qr_png(entry.url), short_url(entry.url)) for entry in transcript.entries
            ],
            "stylesheet_url": static_url_for_pdf("css/pdf.css"),
            "site_name": settings.SITE_NAME,
        },
    )


def render_certificate_html(certificate: Certificate) -> str:
    return render_to_string(
        "credentials/pdf/certificate.html",
        {
            "certificate": certificate,
            "qr_svg": _qr_svg(certificate.url),
            "short_url": short_url(certificate.url),
            "stylesheet_url": static_url_for_pdf("css/pdf.css"),
            "site_name": settings.SITE_NAME,
        },
    )


def cached_pdf(kind: str, digest: str) -> bytes | None:
    pdf: bytes | None = cache.get(_pdf_key(kind, digest))
    return pdf


def _store(kind: str, digest: str, learner_id: int, pdf: bytes) -> None:
    key = _pdf_key(kind, digest)
    cache.set(key, pdf, CACHE_TIMEOUT)
    # Read, add, write: two renders for one learner at the same moment may drop one key from
    # the list, which only leaves that document to expire with its timeout, as do the oldest
    # keys of a long list (most of them have expired by then anyway).
    listed: list[str] = cache.get(_learner_key(learner_id)) or []
    if key not in listed:
        cache.set(_learner_key(learner_id), [*listed, key][-LISTED_PER_LEARNER:], CACHE_TIMEOUT)


def forget_learner_pdfs(*, learner_id: int) -> None:
    """Drop every cached transcript and certificate of a learner."""
    listed: list[str] = cache.get(_learner_key(learner_id)) or []
    cache.delete_many([*listed, _learner_key(learner_id)])


def get_certificate_pdf(certificate: Certificate) -> bytes:
    digest = certificate.content_hash()
    pdf = cached_pdf("certificate", digest)
    if pdf is None:
        pdf = render_pdf(render_certificate_html(certificate))
        _store("certificate", digest, certificate.learner_id, pdf)
    return pdf


def render_transcript_pdf(transcript: Transcript) -> bytes:
    """The transcript's PDF, from the cache or rendered now (and then cached)."""
    digest = transcript.content_hash()
    pdf = cached_pdf("transcript", digest)
    if pdf is None:
        pdf = render_pdf(render_transcript_html(transcript))
        _store("transcript", digest, transcript.learner_id, pdf)
    return pdf


def is_large(transcript: Transcript) -> bool:
    return len(transcript.entries) > settings.TRANSCRIPT_BACKGROUND_THRESHOLD


def get_transcript_pdf(transcript: Transcript, *, tell_learner: bool) -> bytes | None:
    """The transcript's PDF, or None while a worker renders it.

    A small transcript is rendered here. A large one not yet cached is handed to a task
    (once, however many requests ask), which tells the learner in their inbox when it is
    ready if tell_learner; with tasks run inline (the embedded default) it is ready at once.
    """
    digest = transcript.content_hash()
    pdf = cached_pdf("transcript", digest)
    if pdf is not None or not is_large(transcript):
        return pdf or render_transcript_pdf(transcript)
    if cache.add(_pending_key(digest), True, PENDING_TIMEOUT):
        # Imported here: the task module imports this one.
        from credentials import tasks

        try:
            tasks.render_transcript.delay(
                learner_id=transcript.learner_id,
                page_size=transcript.page_size,
                tell_learner=tell_learner,
            )
        except OperationalError:
            logger.exception("Could not enqueue a transcript; rendering it in the request.")
            cache.delete(_pending_key(digest))
            return render_transcript_pdf(transcript)
    return cached_pdf("transcript", digest)


def render_transcript_for_learner(*, learner_id: int, page_size: str, tell_learner: bool) -> str:
    """The task's work: render the learner's transcript as it is now, cache it, tell them.

    Renders the owner's transcript, which lists what a public one would when the profile is
    public, so one render serves both. Idempotent: a cached document is not rendered again,
    and the notification's dedupe key tells the learner once per document. Returns the
    document's hash.
    """
    learner = User.objects.get(pk=learner_id)
    transcript = get_own_transcript(learner=learner, now=timezone.now(), page_size=page_size)
    digest = transcript.content_hash()
    render_transcript_pdf(transcript)
    cache.delete(_pending_key(digest))
    if tell_learner:
        notify(
            recipients=[learner],
            kind=notification_kinds.TRANSCRIPT_READY,
            subject=_("Your transcript is ready"),
            link=f"{reverse('credentials:my-transcript')}?size={page_size}",
            context={"count": len(transcript.entries)},
            dedupe_key=f"transcript-ready:{digest}",
        )
    return digest
