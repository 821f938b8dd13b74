"""Pages anyone may see, signed in or not: a learner's public page, and its share links."""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)

from credentials import page_cache
from credentials.models import IssuedCredential
from credentials.public import ShareLinkGone, get_shared_profile
from credentials.selectors import contact_requests, portfolio_page
from credentials.structured_data import person_json_ld
from credentials.views.open_graph import build_absolute_badge_url
from portfolio.models import LearnerProfile
from portfolio.permissions import get_public_profile, is_public_profile

TEMPLATE = "credentials/public_portfolio.html"


def public_portfolio(request: HttpRequest, slug: str) -> HttpResponse:
    if request.user.is_authenticated or len(get_messages(request)):
        # The owner's view has their bar and sharing tools, and a message waiting for this
        # visitor (after signing out, say) is theirs alone: nobody signed in is cached.
        profile = get_public_profile(slug)
        response = render(request, TEMPLATE, _context(request, _build(profile)))
        add_never_cache_headers(response)
        return response
    origin = f"{request.scheme}://{request.get_host()}"
    lookup = page_cache.get_page(slug=slug, origin=origin)
    page = lookup.page
    if page is None:
        # A miss: may it be seen (a 404 otherwise), from the database.
        profile = get_public_profile(slug)
        now = timezone.now()
        portfolio = portfolio_page.build_portfolio(profile=profile, now=now)
        content = render_to_string(TEMPLATE, _context(request, portfolio), request).encode()
        # Kept under the versions read before the profile was: a change made meanwhile
        # leaves it stale, never fresh.
        page = page_cache.store_page(
            slug=slug,
            origin=origin,
            version=lookup.version,
            content=content,
            now=now,
            changes_at=portfolio.changes_at,
        )
    response = HttpResponse(page.content)
    response["ETag"] = page.etag
    # Browsers keep the page but ask each time; an unchanged page costs them a 304.
    patch_cache_control(response, no_cache=True)
    patch_vary_headers(response, ["Cookie"])
    not_modified = get_conditional_response(request, etag=page.etag, response=response)
    return not_modified if not_modified is not None else response


def shared_portfolio(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    try:
        profile = get_shared_profile(slug=slug, token=token, now=timezone.now())
    except ShareLinkGone:
        response = render(request, "credentials/share_link_gone.html", status=410)
    else:
        portfolio = _build(profile, via_share_link=True)
        response = render(request, TEMPLATE, _context(request, portfolio, share_token=token))
    # The address is a secret: never kept by a shared cache, never sent on to the sites
    # its links lead to, never indexed.
    add_never_cache_headers(response)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _build(
    profile: LearnerProfile, *, via_share_link: bool = False
) -> portfolio_page.PublicPortfolio:
    return portfolio_page.build_portfolio(
        profile=profile, now=timezone.now(), via_share_link=via_share_link
    )


def _context(
    request: HttpRequest,
    portfolio: portfolio_page.PublicPortfolio,
    *,
    share_token: str | None = None,
) -> dict[str, object]:
    """The page's context; `share_token` for a page opened through that share link."""
    profile = portfolio.profile
    via_share_link = share_token is not None
    page_url = request.build_absolute_uri(
        reverse("credentials:public-portfolio", args=[profile.slug])
    )
    is_owner = request.user.is_authenticated and request.user.pk == profile.user_id

    def credential_url(credential: IssuedCredential) -> str:
        return request.build_absolute_uri(
            reverse("credentials:credential-detail", args=[credential.public_id])
        )

    # Open Graph wants absolute URLs; S3 URLs already are and pass through unchanged.
    if profile.avatar:
        image_url = request.build_absolute_uri(profile.avatar.url)
    else:
        image_url = next(
            (
                build_absolute_badge_url(request, shown.credential.micro_credential)
                for shown in portfolio.credentials
                if shown.credential.micro_credential.badge_image
            ),
            "",
        )
    # "Add to profile" is for the holder: a visitor cannot add someone else's credential.
    linkedin_shares = (
        [
            (
                shown.credential,
                portfolio_page.linkedin_add_to_profile_url(
                    shown.credential, credential_url=credential_url(shown.credential)
                ),
            )
            for shown in portfolio.credentials
            if shown.status == IssuedCredential.Status.VALID
        ]
        if is_owner
        else []
    )
    return {
        "portfolio": portfolio,
        "profile": profile,
        "is_owner": is_owner,
        "via_share_link": via_share_link,
        # A page opened by share link is private: no canonical address, never indexed.
        "is_indexable": profile.is_indexable and not via_share_link,
        "page_url": page_url,
        "share_url": request.build_absolute_uri() if via_share_link else page_url,
        "image_url": image_url,
        "linkedin_shares": linkedin_shares,
        "json_ld": person_json_ld(
            portfolio, page_url=page_url, image_url=image_url, credential_url=credential_url
        ),
        "contact": contact_requests.get_contact_button(
            viewer=request.user, profile=profile, via_share_link=via_share_link
        ),
        # Through a share link, the contact form is reached through it too: the learner's
        # page may be private, and the form checks the link again.
        "contact_url": (
            reverse("credentials:shared-contact-request-new", args=[profile.slug, share_token])
            if share_token is not None
            else reverse("credentials:contact-request-new", args=[profile.slug])
        ),
        # The transcript's address answers only for a public profile (a share link may open
        # a private one), so it is offered only where it opens.
        "has_public_transcript": profile.transcript_is_public and is_public_profile(profile),
    }
