"""Pages anyone may see, signed in or not."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from credentials.selectors import portfolio_page


def public_portfolio(request: HttpRequest, slug: str) -> HttpResponse:
    portfolio = portfolio_page.get_public_portfolio(slug=slug)
    profile = portfolio.profile
    context = {
        "portfolio": portfolio,
        "profile": profile,
        "is_owner": request.user.is_authenticated and request.user.pk == profile.user_id,
        "page_url": request.build_absolute_uri(request.path),
        # Open Graph wants absolute URLs; S3 URLs already are and pass through unchanged.
        "avatar_url": request.build_absolute_uri(profile.avatar.url) if profile.avatar else "",
    }
    return render(request, "credentials/public_portfolio.html", context)
