"""The learner's own profile and the curation of their public portfolio."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portfolio import selectors
from portfolio.errors import CurationError
from portfolio.forms.profiles import CurationFormSet, ProfileForm
from portfolio.http import AuthenticatedHttpRequest
from portfolio.models import LearnerProfile, User
from portfolio.permissions import can_keep_portfolio
from portfolio.refusals import show_as_message, show_on_form
from portfolio.services import curation, profiles


def _own_profile(user: User) -> LearnerProfile:
    # Other roles have no portfolio; a 404 keeps these pages out of their way entirely.
    if not can_keep_portfolio(user):
        raise Http404("No profile.")
    # Learners made in the admin or a shell skipped sign-up, which creates the profile.
    return profiles.ensure_profile(user=user)


@login_required
def profile_edit(request: AuthenticatedHttpRequest) -> HttpResponse:
    profile = _own_profile(request.user)
    form = ProfileForm(request.POST or None, request.FILES or None, profile=profile)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            profiles.update_profile(
                profile_id=profile.pk,
                by=request.user,
                display_name=data["display_name"],
                slug=data["slug"],
                headline=data["headline"],
                bio=data["bio"],
                location=data["location"],
                is_public=data["is_public"],
                in_directory=data["in_directory"],
                is_indexable=data["is_indexable"],
                website_url=data["website_url"],
                linkedin_url=data["linkedin_url"],
                github_url=data["github_url"],
                group_credentials_by=data["group_credentials_by"],
                transcript_is_public=data["transcript_is_public"],
                accepts_contact_requests=data["accepts_contact_requests"],
                avatar=data["avatar"],
                remove_avatar=data.get("remove_avatar", False),
            )
        except profiles.ProfileError as error:
            show_on_form(form, error)
        else:
            messages.success(request, _("Your profile has been saved."))
            return redirect("portfolio:profile-edit")
    context = {"form": form, "profile": profile, "initials": profile.initials}
    return render(request, "portfolio/profile_form.html", context)


@login_required
def portfolio_curate(request: AuthenticatedHttpRequest) -> HttpResponse:
    profile = _own_profile(request.user)
    items = list(selectors.list_evidence_for_curation(owner=request.user))
    formset = CurationFormSet(request.POST or None, items=items, prefix="items")
    if request.method == "POST":
        if not formset.is_valid():
            messages.error(request, _("Some positions need correcting; nothing was saved yet."))
        else:
            try:
                public = curation.curate_portfolio(
                    by=request.user, public_item_ids_in_order=formset.public_ids_in_order()
                )
            except CurationError as error:
                show_as_message(request, error)
            else:
                messages.success(request, _public_count_message(len(public)))
                if public and not profile.is_public:
                    messages.info(
                        request, _("Your profile is private: make it public to share this page.")
                    )
            return redirect("portfolio:portfolio-curate")
    context = {"formset": formset, "profile": profile}
    return render(request, "portfolio/portfolio_curate.html", context)


def _public_count_message(count: int) -> str:
    if count == 0:
        return _("Saved. Your public page shows no evidence.")
    return ngettext(
        "Saved. Your public page shows %(count)d item.",
        "Saved. Your public page shows %(count)d items, in the order you chose.",
        count,
    ) % {"count": count}
