from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from portfolio import models, notification_kinds, selectors
from portfolio.models import EmailPreference, Notification, User
from portfolio.notification_kinds import (
    get_notification_kind,
    list_kinds_for_role,
    list_registered_kinds,
)
from portfolio.services.notifications import notify

# What each role receives (what it did before the kinds moved into the apps that send them,
# and contact requests and saved-search digests since), in the order the e-mail settings page lists them, with labels.
KINDS_BY_ROLE = {
    User.Role.LEARNER: [
        ("application_claimed", "Application taken into review"),
        ("changes_requested", "Changes requested"),
        ("application_rejected", "Application not approved"),
        ("credential_issued", "Credential issued"),
        ("credential_expiring", "Credential expiring soon"),
        ("credential_revoked", "Credential revoked"),
        ("transcript_ready", "Transcript ready"),
        ("contact_request_received", "Message from an employer"),
    ],
    User.Role.ASSESSOR: [
        ("application_submitted", "Application submitted for review"),
        ("issuer_invitation", "Invitation to join an issuer"),
    ],
    User.Role.ISSUER_STAFF: [
        ("application_waiting", "Application waiting for review"),
        ("issuer_invitation", "Invitation to join an issuer"),
    ],
    User.Role.EMPLOYER: [
        ("contact_request_replied", "Reply from a learner"),
        ("saved_search_digest", "New matches for a saved search"),
    ],
}


@pytest.mark.parametrize("role", list(KINDS_BY_ROLE))
def test_each_role_receives_the_kinds_it_did_with_their_labels(role):
    assert [
        (kind, str(get_notification_kind(kind).label)) for kind in list_kinds_for_role(role)
    ] == KINDS_BY_ROLE[role]


def test_the_registry_holds_exactly_the_kinds_the_apps_send():
    expected = {kind for kinds in KINDS_BY_ROLE.values() for kind, _label in kinds}
    # The sign-up invitation goes to an address without an account: no role's inbox gets it.
    assert {kind.value for kind in list_registered_kinds()} == expected | {
        "issuer_invitation_signup"
    }
    assert len(expected) == 13


def test_the_kind_columns_take_their_choices_from_the_registry():
    for model in (Notification, EmailPreference):
        choices = dict(model._meta.get_field("kind").choices)
        assert set(choices) == {kind.value for kind in list_registered_kinds()}
        assert str(choices["credential_revoked"]) == "Credential revoked"


def test_notify_refuses_a_kind_nobody_registered(learner):
    with pytest.raises(ValueError, match="No app registered the notification kind 'made_up'"):
        notify(recipients=[learner], kind="made_up", subject="Nothing")
    assert not Notification.objects.filter(recipient=learner).exists()
    # A registered kind goes through.
    [note] = notify(recipients=[learner], kind="credential_issued", subject="Issued")
    assert note.kind == "credential_issued"


def test_a_notification_of_an_unregistered_kind_fails_validation(learner):
    note = Notification(recipient=learner, kind="made_up", subject="Nothing")
    with pytest.raises(ValidationError, match="made_up"):
        note.full_clean()


def test_the_ground_floor_names_no_kind_of_the_upper_apps():
    for module in (models, selectors, notification_kinds):
        source = Path(module.__file__).read_text()
        assert "credential_issued" not in source
        assert "application_submitted" not in source
        assert "class Notification" in source or "def " in source
