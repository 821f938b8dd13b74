"""Pages that gather pieces of several apps; each app contributes through its selectors."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from portfolio import selectors
from portfolio.http import AuthenticatedHttpRequest
from portfolio.permissions import can_keep_portfolio


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "pages/home.html")


@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    context: dict[str, object] = {"role": user.get_role_display()}
    if can_keep_portfolio(user):
        context |= {
            "profile": selectors.get_profile_for_owner(user=user),
            "evidence_counts": selectors.count_evidence_by_kind(owner=user),
            "recent_evidence": selectors.list_evidence(owner=user)[:6],
        }
    return render(request, "pages/dashboard.html", context)
