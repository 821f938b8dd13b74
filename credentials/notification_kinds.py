"""The notifications credentials sends, registered with portfolio from CredentialsConfig.ready()."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portfolio.models import User
from portfolio.notification_kinds import register_notification_kind

CREDENTIAL_ISSUED = "credential_issued"
CREDENTIAL_EXPIRING = "credential_expiring"
CREDENTIAL_REVOKED = "credential_revoked"
ISSUER_INVITATION = "issuer_invitation"
ISSUER_INVITATION_SIGNUP = "issuer_invitation_signup"
TRANSCRIPT_READY = "transcript_ready"
CONTACT_REQUEST_RECEIVED = "contact_request_received"
CONTACT_REQUEST_REPLIED = "contact_request_replied"
SAVED_SEARCH_DIGEST = "saved_search_digest"


def register_notification_kinds() -> None:
    register_notification_kind(
        CREDENTIAL_ISSUED,
        label=gettext_lazy("Credential issued"),
        roles=(User.Role.LEARNER,),
        explanation=lambda: _("You earn a credential; the e-mail has its public link."),
        position=40,
    )
    register_notification_kind(
        CREDENTIAL_EXPIRING,
        label=gettext_lazy("Credential expiring soon"),
        roles=(User.Role.LEARNER,),
        explanation=lambda: (
            _("One of your credentials will expire within %(days)s days.")
            % {"days": settings.CREDENTIAL_EXPIRY_REMINDER_DAYS}
        ),
        position=50,
    )
    register_notification_kind(
        CREDENTIAL_REVOKED,
        label=gettext_lazy("Credential revoked"),
        roles=(User.Role.LEARNER,),
        explanation=lambda: _(
            "The issuer revokes one of your credentials; the e-mail gives their reason."
        ),
        position=60,
    )
    register_notification_kind(
        ISSUER_INVITATION,
        label=gettext_lazy("Invitation to join an issuer"),
        roles=(User.Role.ASSESSOR, User.Role.ISSUER_STAFF),
        explanation=lambda: _(
            "An organisation invites you to join it as its staff or as an assessor."
        ),
        position=70,
    )
    register_notification_kind(
        TRANSCRIPT_READY,
        label=gettext_lazy("Transcript ready"),
        roles=(User.Role.LEARNER,),
        explanation=lambda: _(
            "A long PDF transcript you asked for has been prepared and is ready to download."
        ),
        position=65,
    )
    # E-mailed to an address with no account yet, so no role receives it in an inbox and the
    # settings page never offers it.
    register_notification_kind(
        ISSUER_INVITATION_SIGNUP,
        label=gettext_lazy("Invitation to sign up and join an issuer"),
        roles=(),
        explanation=lambda: _(
            "An organisation invites your e-mail address to sign up and join it."
        ),
        position=75,
    )
    register_notification_kind(
        CONTACT_REQUEST_RECEIVED,
        label=gettext_lazy("Message from an employer"),
        roles=(User.Role.LEARNER,),
        explanation=lambda: _(
            "An employer writes to you from your public page; you choose whether to reply."
        ),
        position=67,
    )
    register_notification_kind(
        CONTACT_REQUEST_REPLIED,
        label=gettext_lazy("Reply from a learner"),
        roles=(User.Role.EMPLOYER,),
        explanation=lambda: _("A learner you wrote to replies."),
        position=80,
    )
    register_notification_kind(
        SAVED_SEARCH_DIGEST,
        label=gettext_lazy("New matches for a saved search"),
        roles=(User.Role.EMPLOYER,),
        explanation=lambda: _(
            "Once a day, the people who newly match one of your saved directory searches."
        ),
        position=85,
    )
