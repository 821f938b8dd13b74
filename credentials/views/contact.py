"""Contact requests: an employer writes to a learner from their public page, who may reply."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from credentials import services
from credentials.exceptions import ContactNotAllowed
from credentials.forms import ContactReplyForm, ContactRequestForm
from credentials.permissions import (
    can_contact,
    get_contact_request_for,
    get_contactable_profile_for,
    visible_contact_requests,
)
from credentials.public import ShareLinkGone, get_shared_profile
from credentials.selectors import contact_requests
from portfolio.http import AuthenticatedHttpRequest
from portfolio.models import LearnerProfile
from portfolio.permissions import is_employer, is_learner
from portfolio.refusals import show_as_message, show_on_form


@require_http_methods(["GET", "POST"])
def contact_request_new(request: HttpRequest, slug: str) -> HttpResponse:
    # Not login_required: for anyone but an employer this page does not exist (a 404), and
    # a redirect to the login page would say otherwise.
    profile = get_contactable_profile_for(request.user, slug)
    page_url = reverse("credentials:public-portfolio", args=[slug])
    return _contact_form(request, profile, page_url=page_url, share_token=None)


@require_http_methods(["GET", "POST"])
def shared_contact_request_new(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    # The form of a page opened through a share link, which may be a private one.
    try:
        profile = get_shared_profile(slug=slug, token=token, now=timezone.now())
    except ShareLinkGone:
        response = render(request, "credentials/share_link_gone.html", status=410)
    else:
        if not can_contact(request.user, profile, via_share_link=True):
            raise Http404("No such page.")
        page_url = reverse("credentials:shared-portfolio", args=[slug, token])
        response = _contact_form(request, profile, page_url=page_url, share_token=token)
    # The address holds the link's secret, as the shared page's does (views.public).
    add_never_cache_headers(response)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _contact_form(
    request: HttpRequest, profile: LearnerProfile, *, page_url: str, share_token: str | None
) -> HttpResponse:
    button = contact_requests.get_contact_button(
        viewer=request.user, profile=profile, via_share_link=share_token is not None
    )
    form = ContactRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact_request = services.send_contact_request(
                by=request.user,  # type: ignore[arg-type]  # an employer: checked by the caller
                profile_id=profile.pk,
                share_token=share_token,
                **form.cleaned_data,
            )
        except ContactNotAllowed as error:
            show_on_form(form, error)
        else:
            messages.success(
                request,
                _("Your message is on its way to %(name)s, who chooses whether to reply.")
                % {"name": profile.display_name},
            )
            return redirect("credentials:contact-request-detail", pk=contact_request.pk)
    context = {
        "profile": profile,
        "form": form,
        "open_request": button.open_request,
        "page_url": page_url,
        "via_share_link": share_token is not None,
    }
    return render(request, "credentials/contact_request_form.html", context)


@login_required
def contact_request_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    # Employers list what they sent and learners what they received; nobody else has any.
    if not (is_employer(request.user) or is_learner(request.user)):
        raise Http404("No contact requests.")
    context = {
        "contact_requests": contact_requests.list_contact_requests(user=request.user),
        "is_learner": is_learner(request.user),
    }
    return render(request, "credentials/contact_request_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def contact_request_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    access = get_contact_request_for(request.user, pk)
    form = ContactReplyForm(
        request.POST if access.can_answer else None, site_name=settings.SITE_NAME
    )
    if request.method == "POST" and access.can_answer and form.is_valid():
        try:
            services.reply_to_contact_request(
                contact_request_id=pk, by=request.user, reply=form.cleaned_data["reply"]
            )
        except ContactNotAllowed as error:
            show_as_message(request, error)
        else:
            messages.success(request, _("Your reply has been sent."))
        return redirect("credentials:contact-request-detail", pk=pk)
    context = {"access": access, "contact_request": access.contact_request, "form": form}
    return render(request, "credentials/contact_request_detail.html", context)


@login_required
@require_POST
def contact_request_decline(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if not visible_contact_requests(request.user).filter(pk=pk).exists():
        raise Http404("No such contact request.")
    try:
        services.decline_contact_request(contact_request_id=pk, by=request.user)
    except ContactNotAllowed as error:
        show_as_message(request, error)
    else:
        messages.success(request, _("You declined this request. The employer sees it declined."))
    return redirect("credentials:contact-request-detail", pk=pk)
