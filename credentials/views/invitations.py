"""Invitations to join an issuer, as its staff or as an assessor: the invitee's side.

Issuer staff send them from the admin (credentials.admin.IssuerInvitationAdmin); only the
person they are addressed to sees them here, everyone else gets a 404. An address without
an account gets a sign-up link instead (invitation_signup): its token is the proof that the
person following it holds the address.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter
from allauth.account.utils import complete_signup
from allauth.account.views import SignupView
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from credentials import services
from credentials.exceptions import CredentialError
from credentials.models import IssuerInvitation
from credentials.permissions import (
    INVITATION_ROLES,
    get_invitation_access,
    get_invitation_for,
    get_invitation_for_token,
    makes_staff,
    visible_invitations,
)
from portfolio.forms.accounts import SignupForm
from portfolio.http import AuthenticatedHttpRequest
from portfolio.models import User
from portfolio.refusals import show_as_message


@login_required
@require_http_methods(["GET", "HEAD"])
def invitation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    invitations = visible_invitations(request.user).select_related("issuer", "invited_by")
    accesses = [get_invitation_access(request.user, invitation) for invitation in invitations]
    return render(request, "credentials/invitation_list.html", {"invitations": accesses})


@login_required
@require_POST
def invitation_accept(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    access = get_invitation_for(request.user, pk)
    try:
        services.accept_invitation(invitation_id=access.invitation.pk, by=request.user)
    except CredentialError as error:
        show_as_message(request, error)
        return redirect("credentials:invitation-list")
    _say_joined(request, access.invitation)
    if access.makes_staff:
        return redirect("admin:index")
    return redirect("credentials:invitation-list")


def _say_joined(request: HttpRequest, invitation: IssuerInvitation) -> None:
    if makes_staff(invitation):
        messages.success(
            request,
            _("You joined %(issuer)s's staff. Its micro-credentials are in the admin.")
            % {"issuer": invitation.issuer.name},
        )
        return
    messages.success(
        request,
        _(
            "You joined %(issuer)s as an assessor. Its staff can now assign you to their "
            "micro-credentials."
        )
        % {"issuer": invitation.issuer.name},
    )


class _AllauthAnswered(Exception):
    """allauth's sign-up answered with a page of its own instead of making an account."""

    def __init__(self, response: HttpResponse) -> None:
        super().__init__()
        self.response = response


class InvitationSignupView(SignupView):  # type: ignore[misc]  # allauth ships no type hints
    """allauth's sign-up, for the address and role an invitation's token names.

    The address is shown but not editable, and taken as verified: the token reached the
    invitee at that address, which is all a verification e-mail would prove, so no second
    e-mail is sent. The account gets the invited role and joins the issuer in the same
    transaction (services.sign_up_by_invitation). Someone signed in already, or an address
    that has an account by now, is told what to do instead; an unknown, used or expired
    token gets a page that says so.
    """

    template_name = "credentials/invitation_signup.html"
    invitation: IssuerInvitation

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        invitation = get_invitation_for_token(kwargs["token"])
        if invitation is None:
            return _token_page(request, "unknown", None, status=404)
        if invitation.accepted_at is not None:
            return _token_page(request, "used", invitation, status=410)
        if invitation.expires_at <= timezone.now():
            return _token_page(request, "expired", invitation, status=410)
        if request.user.is_authenticated:
            # The token only ever makes a new account: someone signed in accepts on the
            # invitations page, with an account the invitation is addressed to, or not at all.
            if request.user.email.lower() == invitation.email:
                return redirect("credentials:invitation-list")
            return _token_page(request, "signed_in", invitation, status=403)
        if User.objects.filter(email__iexact=invitation.email).exists():
            return _token_page(request, "has_account", invitation)
        self.invitation = invitation
        response: HttpResponseBase = super().dispatch(request, *args, **kwargs)
        return response

    def get_initial(self) -> dict[str, Any]:
        # Never the ?email= that allauth's own sign-up page takes.
        return {"email": self.invitation.email}

    def get_form(self, form_class: type[SignupForm] | None = None) -> SignupForm:
        form: SignupForm = super().get_form(form_class)
        form.account_role = INVITATION_ROLES[self.invitation.role]
        # A disabled field ignores whatever is posted for it and keeps the initial value.
        form.fields["email"].disabled = True
        form.fields["email"].help_text = _("The address the invitation was sent to.")
        form.fields["display_name"].help_text = _(
            "As %(issuer)s and the people you work with will see it."
        ) % {"issuer": self.invitation.issuer.name}
        return form

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        context["invitation"] = self.invitation
        return context

    def form_valid(self, form: SignupForm) -> HttpResponse:
        adapter = get_adapter(self.request)

        def create_account() -> User:
            # The token proves the address: allauth marks it verified and sends no e-mail.
            adapter.stash_verified_email(self.request, self.invitation.email)
            user, response = form.try_save(self.request)
            if response is not None:
                raise _AllauthAnswered(response)
            if not isinstance(user, User):  # allauth makes AUTH_USER_MODEL
                raise TypeError(type(user))
            return user

        try:
            user = services.sign_up_by_invitation(
                token=self.kwargs["token"], create_account=create_account
            )
        except _AllauthAnswered as answered:
            return answered.response
        except CredentialError:
            # Used, renewed or withdrawn between showing the form and posting it.
            return _token_page(self.request, "unknown", None, status=404)
        finally:
            # Only this sign-up may count the address as verified, never a later one.
            adapter.unstash_verified_email(self.request)
        self.user = user
        _say_joined(self.request, self.invitation)
        success_url = (
            reverse("admin:index") if makes_staff(self.invitation) else reverse("dashboard")
        )
        response: HttpResponse = complete_signup(self.request, user, None, success_url)
        return response


invitation_signup = InvitationSignupView.as_view()


def _token_page(
    request: HttpRequest, problem: str, invitation: IssuerInvitation | None, *, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "credentials/invitation_token.html",
        {"problem": problem, "invitation": invitation},
        status=status,
    )
