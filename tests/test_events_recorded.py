"""Every state-changing service records exactly one event, with the right actor and object.

SCENARIOS holds one call of each such service, in all three apps (a service that calls
another also gets the events the callee records, named in `also`). The guard below finds every public function
in the apps' services modules and fails for one that is in none of the lists, so a new
service cannot skip its event unnoticed: give it a scenario (and its event), or, if it
changes nothing, add it to NOT_STATE_CHANGING with the reason.
"""

import inspect
import io
import pkgutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module
from types import ModuleType

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.utils import timezone

from assessments.services import applying, locking, periodic, reviewing, snapshots
from credentials import bulk_issuance
from credentials import services as credentials
from credentials.directory.documents import rebuild_directory
from credentials.exceptions import RevocationNotAllowed
from credentials.models import IssuerInvitation, SavedSearch
from credentials.permissions import hash_invitation_token
from credentials.verbs import CredentialIssued, CredentialRevoked
from portfolio.events import get_declared_event
from portfolio.models import Event, Notification, User
from portfolio.services import accounts, curation, evidence, notifications, profiles, skills
from portfolio.services.profiles import ProfileError
from portfolio.verbs import EvidenceDeleted, ProfileUpdated, SkillsImported
from tests.factories import (
    EvidenceItemFactory,
    IssuerFactory,
    MicroCredentialFactory,
    UserFactory,
    png_bytes,
)

APPS_WITH_SERVICES = ["portfolio", "credentials", "assessments"]


@dataclass
class Case:
    """One call of a service and the event it must record."""

    run: Callable[[], object]
    verb: str
    actor: User | None
    # The object, or a function of the service's result that gives it; None for no object.
    target: models.Model | Callable[[object], models.Model] | None
    # The learner whose thing it is, or a function of the service's result that gives them.
    owner: User | Callable[[object], User] | None = None
    scope: str = ""
    # Events that the services it calls record of their own (approving an application issues
    # a credential, and issue_credential records that).
    also: tuple[str, ...] = ()


SCENARIOS: dict[Callable[..., object], Callable[[], Case]] = {}


def scenario(service):
    def register(make_case):
        SCENARIOS[service] = make_case
        return make_case

    return register


def _learner(email="learner@example.com"):
    return UserFactory(email=email)


def _staff_of(issuer):
    """A member of the issuer's staff, whom the scenarios act as."""
    staff = UserFactory(email="issuer@example.com", issuer_staff=True)
    issuer.staff.add(staff)
    return staff


# --- portfolio ---------------------------------------------------------------------------


@scenario(evidence.create_evidence)
def _():
    learner = _learner()
    return Case(
        run=lambda: evidence.create_evidence(
            by=learner, kind="link", title="Blog post", url="https://example.com/post"
        ),
        verb="evidence.created",
        actor=learner,
        target=lambda item: item,
        owner=learner,
    )


@scenario(evidence.update_evidence)
def _():
    learner = _learner()
    item = EvidenceItemFactory(owner=learner, link=True)
    return Case(
        run=lambda: evidence.update_evidence(
            item_id=item.pk, by=learner, title="Renamed", url="https://example.com/renamed"
        ),
        verb="evidence.updated",
        actor=learner,
        target=item,
        owner=learner,
    )


@scenario(evidence.delete_evidence)
def _():
    learner = _learner()
    item = EvidenceItemFactory(owner=learner, link=True)
    # A copy, because deleting clears the key of the instance the service is given.
    target = type(item)(pk=item.pk)
    return Case(
        run=lambda: evidence.delete_evidence(item_id=item.pk, by=learner),
        verb="evidence.deleted",
        actor=learner,
        target=target,
        owner=learner,
    )


@scenario(curation.curate_portfolio)
def _():
    learner = _learner()
    item = EvidenceItemFactory(owner=learner, link=True)
    return Case(
        run=lambda: curation.curate_portfolio(by=learner, public_item_ids_in_order=[item.pk]),
        verb="portfolio.curated",
        actor=learner,
        target=learner,
        owner=learner,
    )


@scenario(profiles.ensure_profile)
def _():
    learner = UserFactory(email="learner@example.com", with_profile=False)
    return Case(
        run=lambda: profiles.ensure_profile(user=learner, display_name="Ada Learner"),
        verb="profile.created",
        actor=learner,
        target=lambda profile: profile,
        owner=learner,
    )


@scenario(profiles.update_profile)
def _():
    learner = _learner()
    profile = learner.profile
    return Case(
        run=lambda: profiles.update_profile(
            profile_id=profile.pk,
            by=learner,
            display_name=profile.display_name,
            slug=profile.slug,
            headline="Data storyteller",
        ),
        verb="profile.updated",
        actor=learner,
        target=profile,
        owner=learner,
    )


def _avatar():
    return SimpleUploadedFile("me.png", png_bytes(), content_type="image/png")


@scenario(profiles.set_avatar)
def _():
    learner = _learner()
    return Case(
        run=lambda: profiles.set_avatar(
            profile_id=learner.profile.pk, by=learner, upload=_avatar()
        ),
        verb="profile.avatar_changed",
        actor=learner,
        target=learner.profile,
        owner=learner,
    )


@scenario(profiles.remove_avatar)
def _():
    learner = _learner()
    profile = profiles.set_avatar(profile_id=learner.profile.pk, by=learner, upload=_avatar())
    return Case(
        run=lambda: profiles.remove_avatar(profile_id=profile.pk, by=learner),
        verb="profile.avatar_removed",
        actor=learner,
        target=profile,
        owner=learner,
    )


@scenario(notifications.mark_read)
def _():
    learner = _learner()
    Notification.objects.create(recipient=learner, kind="credential_issued", subject="Hello")
    return Case(
        run=lambda: notifications.mark_read(by=learner),
        verb="notifications.read",
        actor=learner,
        target=learner,
        owner=learner,
    )


@scenario(notifications.set_email_preferences)
def _():
    learner = _learner()
    return Case(
        run=lambda: notifications.set_email_preferences(by=learner, enabled_kinds=[]),
        verb="notifications.email_preferences_set",
        actor=learner,
        target=learner,
        owner=learner,
    )


@scenario(notifications.resend_failed_emails)
def _():
    admin = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    failed = Notification.objects.create(
        recipient=_learner(),
        kind="credential_issued",
        subject="Hello",
        email_state=Notification.EmailState.FAILED,
    )
    return Case(
        run=lambda: notifications.resend_failed_emails(notification_ids=[failed.pk], by=admin),
        verb="notifications.failed_emails_resent",
        actor=admin,
        target=None,
    )


@scenario(skills.import_skills_csv)
def _():
    admin = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    source = io.StringIO("framework,name,description,code,uri\nDigital,Spreadsheets,,,\n")
    return Case(
        run=lambda: skills.import_skills_csv(by=admin, source=source),
        verb="skills.imported",
        actor=admin,
        target=None,
    )


@scenario(curation.unpublish_evidence)
def _():
    admin = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    learner = _learner()
    item = EvidenceItemFactory(owner=learner, link=True, public=True)
    return Case(
        run=lambda: curation.unpublish_evidence(by=admin, item_id=item.pk),
        verb="evidence.unpublished",
        actor=admin,
        target=item,
        owner=learner,
    )


@scenario(accounts.change_role)
def _():
    admin = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    learner = _learner()
    return Case(
        run=lambda: accounts.change_role(by=admin, user_id=learner.pk, role=User.Role.EMPLOYER),
        verb="user.role_changed",
        actor=admin,
        target=learner,
        owner=learner,
    )


@scenario(accounts.create_user)
def _():
    admin = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    return Case(
        run=lambda: accounts.create_user(
            by=admin, email="new.assessor@example.com", role=User.Role.ASSESSOR, password=None
        ),
        verb="user.created",
        actor=admin,
        target=lambda user: user,
        owner=lambda user: user,
    )


@scenario(accounts.set_user_active)
def _():
    admin = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    learner = _learner()
    return Case(
        run=lambda: accounts.set_user_active(by=admin, user_id=learner.pk, is_active=False),
        verb="user.deactivated",
        actor=admin,
        target=learner,
        owner=learner,
    )


@scenario(accounts.set_staff_status)
def _():
    admin = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    staff = UserFactory(email="issuer@example.com", issuer_staff=True, is_staff=False)
    return Case(
        run=lambda: accounts.set_staff_status(by=admin, user_id=staff.pk, is_staff=True),
        verb="user.staff_status_set",
        actor=admin,
        target=staff,
        owner=staff,
    )


@scenario(accounts.set_superuser_status)
def _():
    admin = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    staff = UserFactory(email="issuer@example.com", issuer_staff=True)
    return Case(
        run=lambda: accounts.set_superuser_status(by=admin, user_id=staff.pk, is_superuser=True),
        verb="user.superuser_status_set",
        actor=admin,
        target=staff,
        owner=staff,
    )


@scenario(accounts.record_admin_login)
def _():
    staff = UserFactory(email="issuer@example.com", issuer_staff=True)
    return Case(
        run=lambda: accounts.record_admin_login(user=staff),
        verb="user.logged_in",
        actor=staff,
        target=staff,
        owner=staff,
    )


# --- credentials ---------------------------------------------------------------------------


def _issue(learner, micro_credential, *, by=None, issued_at=None):
    if by is None:
        by = UserFactory(issuer_staff=True)
        micro_credential.issuer.staff.add(by)
    return credentials.issue_credential(
        by=by,
        learner_id=learner.pk,
        micro_credential_id=micro_credential.pk,
        award_reference=f"test:{learner.pk}:{micro_credential.pk}",
        assessor_id=by.pk if by.role == User.Role.ASSESSOR else None,
        evidence=[],
        rubric_results=[],
        issued_at=issued_at,
    )


@scenario(credentials.issue_credential)
def _():
    learner = _learner()
    assessor = UserFactory(email="assessor@example.com", assessor=True)
    micro_credential = MicroCredentialFactory(assessors=[assessor])
    return Case(
        run=lambda: _issue(learner, micro_credential, by=assessor),
        verb="credential.issued",
        actor=assessor,
        target=lambda credential: credential,
        owner=learner,
        scope=f"issuer:{micro_credential.issuer_id}",
    )


@scenario(credentials.revoke_credential)
def _():
    learner = _learner()
    micro_credential = MicroCredentialFactory()
    staff = _staff_of(micro_credential.issuer)
    credential = _issue(learner, micro_credential)
    return Case(
        run=lambda: credentials.revoke_credential(
            credential_id=credential.pk, by=staff, reason="Issued in error."
        ),
        verb="credential.revoked",
        actor=staff,
        target=credential,
        owner=learner,
        scope=f"issuer:{micro_credential.issuer_id}",
    )


@scenario(credentials.set_credential_visibility)
def _():
    learner = _learner()
    credential = _issue(learner, MicroCredentialFactory())
    return Case(
        run=lambda: credentials.set_credential_visibility(
            credential_id=credential.pk,
            by=learner,
            is_shown_publicly=not credential.is_shown_publicly,
        ),
        verb="credential.visibility_set",
        actor=learner,
        target=credential,
        owner=learner,
        scope=f"issuer:{credential.issuer_id}",
    )


@scenario(credentials.create_share_link)
def _():
    learner = _learner()
    return Case(
        run=lambda: credentials.create_share_link(
            by=learner, label="Acme", expires_at=timezone.now() + timedelta(days=7)
        ),
        verb="share_link.created",
        actor=learner,
        target=lambda created: created.share_link,
        owner=learner,
    )


@scenario(credentials.revoke_share_link)
def _():
    learner = _learner()
    created = credentials.create_share_link(
        by=learner, label="Acme", expires_at=timezone.now() + timedelta(days=7)
    )
    return Case(
        run=lambda: credentials.revoke_share_link(share_link_id=created.share_link.pk, by=learner),
        verb="share_link.revoked",
        actor=learner,
        target=created.share_link,
        owner=learner,
    )


@scenario(credentials.remind_expiring_credentials)
def _():
    learner = _learner()
    micro_credential = MicroCredentialFactory(validity_months=1)
    # Expires in about ten days, inside the reminder window.
    credential = _issue(learner, micro_credential, issued_at=timezone.now() - timedelta(days=20))
    return Case(
        run=credentials.remind_expiring_credentials,
        verb="credential.expiry_reminded",
        actor=None,
        target=credential,
        owner=learner,
        scope=f"issuer:{micro_credential.issuer_id}",
    )


@scenario(credentials.invite_to_issuer)
def _():
    issuer = IssuerFactory()
    staff = _staff_of(issuer)
    return Case(
        run=lambda: credentials.invite_to_issuer(
            issuer_id=issuer.pk,
            email="new.assessor@example.com",
            role=IssuerInvitation.Role.ASSESSOR,
            by=staff,
        ),
        verb="issuer.invitation_sent",
        actor=staff,
        target=lambda invitation: invitation,
        scope=f"issuer:{issuer.pk}",
    )


@scenario(credentials.accept_invitation)
def _():
    issuer = IssuerFactory()
    staff = _staff_of(issuer)
    invitee = UserFactory(email="new.assessor@example.com", assessor=True)
    invitation = credentials.invite_to_issuer(
        issuer_id=issuer.pk, email=invitee.email, role=IssuerInvitation.Role.ASSESSOR, by=staff
    )
    return Case(
        run=lambda: credentials.accept_invitation(invitation_id=invitation.pk, by=invitee),
        verb="issuer.invitation_accepted",
        actor=invitee,
        target=invitation,
        owner=invitee,
        scope=f"issuer:{issuer.pk}",
    )


@scenario(credentials.sign_up_by_invitation)
def _():
    issuer = IssuerFactory()
    invitation = IssuerInvitation.objects.create(
        issuer=issuer,
        email="new.assessor@example.com",
        role=IssuerInvitation.Role.ASSESSOR,
        expires_at=timezone.now() + timedelta(days=14),
        token_hash=hash_invitation_token("a-sign-up-token"),
    )
    # Made by allauth's sign-up in the real call; here it exists already.
    newcomer = UserFactory(email="new.assessor@example.com", assessor=True)
    return Case(
        run=lambda: credentials.sign_up_by_invitation(
            token="a-sign-up-token", create_account=lambda: newcomer
        ),
        verb="issuer.invitation_accepted",
        actor=newcomer,
        target=invitation,
        owner=newcomer,
        scope=f"issuer:{issuer.pk}",
    )


@scenario(credentials.publish_micro_credential)
def _():
    micro_credential = MicroCredentialFactory(status="draft")
    staff = _staff_of(micro_credential.issuer)
    return Case(
        run=lambda: credentials.publish_micro_credential(
            micro_credential_id=micro_credential.pk, by=staff
        ),
        verb="micro_credential.published",
        actor=staff,
        target=micro_credential,
        scope=f"issuer:{micro_credential.issuer_id}",
    )


@scenario(credentials.retire_micro_credential)
def _():
    micro_credential = MicroCredentialFactory()
    staff = _staff_of(micro_credential.issuer)
    return Case(
        run=lambda: credentials.retire_micro_credential(
            micro_credential_id=micro_credential.pk, by=staff
        ),
        verb="micro_credential.retired",
        actor=staff,
        target=micro_credential,
        scope=f"issuer:{micro_credential.issuer_id}",
    )


@scenario(credentials.generate_signing_key)
def _():
    issuer = IssuerFactory()
    staff = _staff_of(issuer)
    return Case(
        run=lambda: credentials.generate_signing_key(issuer_id=issuer.pk, by=staff),
        verb="signing_key.generated",
        actor=staff,
        target=lambda key: key,
        scope=f"issuer:{issuer.pk}",
    )


@scenario(credentials.rotate_signing_key)
def _():
    # The command rotates as the system; the site's key has no issuer's scope.
    credentials.generate_signing_key(issuer_id=None, by=None)
    return Case(
        run=lambda: credentials.rotate_signing_key(issuer_id=None, by=None),
        verb="signing_key.rotated",
        actor=None,
        target=lambda key: key,
    )


@scenario(credentials.update_micro_credential)
def _():
    micro_credential = MicroCredentialFactory(title="Data Storytelling")
    staff = _staff_of(micro_credential.issuer)
    # As the admin's form leaves it: the new values set, not yet saved.
    micro_credential.title = "Narrative Analytics"
    return Case(
        run=lambda: credentials.update_micro_credential(
            micro_credential=micro_credential, by=staff, changed_fields=["title"]
        ),
        verb="micro_credential.updated",
        actor=staff,
        target=micro_credential,
        scope=f"issuer:{micro_credential.issuer_id}",
    )


@scenario(credentials.sign_credential)
def _():
    # The system signs, after the issue commits; the holder owns the event.
    learner = _learner()
    credential = _issue(learner, MicroCredentialFactory())
    credentials.generate_signing_key(issuer_id=credential.issuer_id, by=None)
    return Case(
        run=lambda: credentials.sign_credential(credential_id=credential.pk),
        verb="credential.signed",
        actor=None,
        target=lambda document: document.credential,
        owner=learner,
        scope=f"issuer:{credential.issuer_id}",
    )


@scenario(bulk_issuance.start_bulk_issuance)
def _():
    micro_credential = MicroCredentialFactory()
    staff = UserFactory(issuer_staff=True)
    micro_credential.issuer.staff.add(staff)
    learner = _learner()
    return Case(
        run=lambda: bulk_issuance.start_bulk_issuance(
            micro_credential_id=micro_credential.pk, learners=[(1, learner)], by=staff
        ),
        verb="bulk_issuance.started",
        actor=staff,
        target=lambda batch: batch,
        scope=f"issuer:{micro_credential.issuer_id}",
    )


@scenario(bulk_issuance.issue_bulk_chunk)
def _():
    # The chunk issues the batch's one row (recorded as any issue is) and so finishes it;
    # the system finishes it.
    micro_credential = MicroCredentialFactory()
    staff = UserFactory(issuer_staff=True)
    micro_credential.issuer.staff.add(staff)
    batch = bulk_issuance.start_bulk_issuance(
        micro_credential_id=micro_credential.pk, learners=[(1, _learner())], by=staff
    )
    return Case(
        run=lambda: bulk_issuance.issue_bulk_chunk(batch_id=batch.pk, signer=None),
        verb="bulk_issuance.finished",
        actor=None,
        target=batch,
        scope=f"issuer:{micro_credential.issuer_id}",
        also=("credential.issued",),
    )


def _contacted():
    learner = _learner()
    learner.profile.is_public = True
    learner.profile.save()
    employer = UserFactory(email="employer@example.com", employer=True)
    return employer, learner


def _contact_request(employer, learner):
    return credentials.send_contact_request(
        by=employer,
        profile_id=learner.profile.pk,
        organisation="Firm Ltd",
        subject="A role",
        body="Shall we talk?",
    )


@scenario(credentials.send_contact_request)
def _():
    employer, learner = _contacted()
    return Case(
        run=lambda: _contact_request(employer, learner),
        verb="contact_request.sent",
        actor=employer,
        target=lambda contact_request: contact_request,
        owner=None,
    )


@scenario(credentials.reply_to_contact_request)
def _():
    employer, learner = _contacted()
    contact_request = _contact_request(employer, learner)
    return Case(
        run=lambda: credentials.reply_to_contact_request(
            contact_request_id=contact_request.pk, by=learner, reply="Yes."
        ),
        verb="contact_request.replied",
        actor=learner,
        target=contact_request,
        owner=learner,
    )


@scenario(credentials.decline_contact_request)
def _():
    employer, learner = _contacted()
    contact_request = _contact_request(employer, learner)
    return Case(
        run=lambda: credentials.decline_contact_request(
            contact_request_id=contact_request.pk, by=learner
        ),
        verb="contact_request.declined",
        actor=learner,
        target=contact_request,
        owner=learner,
    )


def _saved_search(employer, query="q=analyst"):
    return credentials.save_search(by=employer, name="Analysts", query=query)


@scenario(credentials.save_search)
def _():
    employer = UserFactory(email="employer@example.com", employer=True)
    return Case(
        run=lambda: _saved_search(employer),
        verb="saved_search.saved",
        actor=employer,
        target=lambda saved_search: saved_search,
        owner=employer,
    )


@scenario(credentials.delete_saved_search)
def _():
    employer = UserFactory(email="employer@example.com", employer=True)
    saved_search = _saved_search(employer)
    return Case(
        run=lambda: credentials.delete_saved_search(saved_search_id=saved_search.pk, by=employer),
        verb="saved_search.deleted",
        actor=employer,
        # Deleted with the call: the event keeps its id.
        target=SavedSearch(pk=saved_search.pk),
        owner=employer,
    )


@scenario(credentials.unsubscribe_saved_search)
def _():
    employer = UserFactory(email="employer@example.com", employer=True)
    saved_search = _saved_search(employer)
    return Case(
        run=lambda: credentials.unsubscribe_saved_search(
            saved_search_id=saved_search.pk, by=employer
        ),
        verb="saved_search.unsubscribed",
        actor=employer,
        target=saved_search,
        owner=employer,
    )


@scenario(credentials.send_saved_search_digests)
def _():
    employer = UserFactory(email="employer@example.com", employer=True)
    saved_search = _saved_search(employer, query="")
    # A public profile listed after the search was saved: the digest's one new match.
    learner = _learner()
    learner.profile.is_public = True
    learner.profile.save()
    rebuild_directory()
    return Case(
        run=credentials.send_saved_search_digests,
        verb="saved_search.digest_sent",
        actor=None,
        target=saved_search,
        owner=employer,
    )


# --- assessments -----------------------------------------------------------------------------


def _cast():
    learner = UserFactory(email="learner@example.com")
    assessor = UserFactory(email="assessor@example.com", assessor=True)
    micro_credential = MicroCredentialFactory(assessors=[assessor])
    return learner, assessor, micro_credential, f"issuer:{micro_credential.issuer_id}"


def _draft(learner, micro_credential):
    application = applying.start_application(by=learner, micro_credential_id=micro_credential.pk)
    for criterion in micro_credential.criteria_set.all():
        item = EvidenceItemFactory(owner=learner, link=True)
        applying.save_response(
            application_id=application.pk,
            by=learner,
            criterion_id=criterion.pk,
            statement="How I meet it.",
            self_assessed_level_id=None,
            evidence_item_ids=[item.pk],
        )
    return application


def _submitted(learner, micro_credential):
    application = _draft(learner, micro_credential)
    return applying.submit_application(application_id=application.pk, by=learner)


def _in_review(learner, assessor, micro_credential):
    application = _submitted(learner, micro_credential)
    return reviewing.claim_application(application_id=application.pk, by=assessor)


def _scores(micro_credential):
    return {
        criterion.pk: reviewing.ScoreInput(level_id=criterion.required_level_id)
        for criterion in micro_credential.criteria_set.all()
    }


@scenario(applying.start_application)
def _():
    learner, _assessor, micro_credential, scope = _cast()
    return Case(
        run=lambda: applying.start_application(by=learner, micro_credential_id=micro_credential.pk),
        verb="application.started",
        actor=learner,
        target=lambda application: application,
        owner=learner,
        scope=scope,
    )


@scenario(applying.save_response)
def _():
    learner, _assessor, micro_credential, scope = _cast()
    application = applying.start_application(by=learner, micro_credential_id=micro_credential.pk)
    item = EvidenceItemFactory(owner=learner, link=True)
    return Case(
        run=lambda: applying.save_response(
            application_id=application.pk,
            by=learner,
            criterion_id=micro_credential.criteria_set.first().pk,
            statement="How I meet it.",
            self_assessed_level_id=None,
            evidence_item_ids=[item.pk],
        ),
        verb="application.response_saved",
        actor=learner,
        target=application,
        owner=learner,
        scope=scope,
    )


@scenario(applying.submit_application)
def _():
    learner, _assessor, micro_credential, scope = _cast()
    application = _draft(learner, micro_credential)
    return Case(
        run=lambda: applying.submit_application(application_id=application.pk, by=learner),
        verb="application.submitted",
        actor=learner,
        target=application,
        owner=learner,
        scope=scope,
    )


@scenario(applying.withdraw_application)
def _():
    learner, _assessor, micro_credential, scope = _cast()
    application = _draft(learner, micro_credential)
    return Case(
        run=lambda: applying.withdraw_application(application_id=application.pk, by=learner),
        verb="application.withdrawn",
        actor=learner,
        target=application,
        owner=learner,
        scope=scope,
    )


@scenario(reviewing.claim_application)
def _():
    learner, assessor, micro_credential, scope = _cast()
    application = _submitted(learner, micro_credential)
    return Case(
        run=lambda: reviewing.claim_application(application_id=application.pk, by=assessor),
        verb="application.claimed",
        actor=assessor,
        target=application,
        owner=learner,
        scope=scope,
    )


@scenario(reviewing.release_application)
def _():
    learner, assessor, micro_credential, scope = _cast()
    application = _in_review(learner, assessor, micro_credential)
    return Case(
        run=lambda: reviewing.release_application(application_id=application.pk, by=assessor),
        verb="application.released",
        actor=assessor,
        target=application,
        owner=learner,
        scope=scope,
    )


@scenario(reviewing.request_changes)
def _():
    learner, assessor, micro_credential, scope = _cast()
    application = _in_review(learner, assessor, micro_credential)
    return Case(
        run=lambda: reviewing.request_changes(
            application_id=application.pk,
            by=assessor,
            scores=_scores(micro_credential),
            feedback="Say more.",
        ),
        verb="application.changes_requested",
        actor=assessor,
        target=application,
        owner=learner,
        scope=scope,
    )


@scenario(reviewing.reject_application)
def _():
    learner, assessor, micro_credential, scope = _cast()
    application = _in_review(learner, assessor, micro_credential)
    return Case(
        run=lambda: reviewing.reject_application(
            application_id=application.pk,
            by=assessor,
            scores=_scores(micro_credential),
            feedback="Not this time.",
        ),
        verb="application.rejected",
        actor=assessor,
        target=application,
        owner=learner,
        scope=scope,
    )


@scenario(reviewing.approve_application)
def _():
    learner, assessor, micro_credential, scope = _cast()
    application = _in_review(learner, assessor, micro_credential)
    return Case(
        run=lambda: reviewing.approve_application(
            application_id=application.pk, by=assessor, scores=_scores(micro_credential)
        ),
        verb="application.approved",
        actor=assessor,
        target=application,
        owner=learner,
        scope=scope,
        also=("credential.issued",),
    )


@scenario(periodic.flag_waiting_applications)
def _():
    learner, _assessor, micro_credential, scope = _cast()
    _staff_of(micro_credential.issuer)
    application = _submitted(learner, micro_credential)
    return Case(
        run=lambda: periodic.flag_waiting_applications(now=timezone.now() + timedelta(days=30)),
        verb="application.waiting_flagged",
        actor=None,
        target=application,
        owner=learner,
        scope=scope,
    )


# --- Not state-changing -----------------------------------------------------------------------

NOT_STATE_CHANGING = {
    # Builds the message a refused link shows.
    evidence.link_error_message,
    # A check that raises; it writes nothing.
    evidence.check_upload_fits_kind,
    # Checks and re-encodes an upload before a service stores it.
    profiles.prepare_avatar,
    # A check that raises; the form and update_profile call it.
    profiles.check_profile_link,
    # A check that raises; update_profile checks availability itself.
    profiles.check_slug_shape,
    # The wait before the next attempt: arithmetic.
    notifications.compute_retry_delay,
    # Writes the outbox rows of the caller's change, inside the caller's transaction; the
    # caller's event is the record of what happened.
    notifications.notify,
    notifications.notify_address,
    notifications.notify_each,
    # Bulk issuance's reads: the uploaded list decoded and checked, the issuer's signer, and
    # the progress page's counts. They write nothing.
    bulk_issuance.decode_learner_file,
    bulk_issuance.check_learner_list,
    bulk_issuance.bulk_signer,
    bulk_issuance.get_bulk_progress,
    # The task's loop over issue_bulk_chunk (which records the events), and the sweep that
    # enqueues it again; neither writes anything itself.
    bulk_issuance.issue_bulk_credentials,
    bulk_issuance.resume_bulk_issuances,
    # A context manager (for the demo loader) that changes how notify() writes; it writes
    # nothing itself.
    notifications.emails_withheld,
    # Delivers one outbox row: claim, send, mark sent or failed. Bookkeeping of the outbox,
    # not a change anyone made; the row itself says what became of the e-mail.
    notifications.send_notification_email,
    # Locks and reads an application row for the service that calls it; it writes nothing.
    locking.lock_application,
    # Writes the round's snapshot inside submit_application's transaction; the submission's
    # event is the record of it.
    snapshots.freeze_round,
}


# Services that live beside an app's services module, in a module of their own sub-domain.
SERVICE_MODULES_BESIDE = {"credentials": ["credentials.bulk_issuance"]}


def _services_modules(app: str) -> list[ModuleType]:
    package = import_module(f"{app}.services")
    beside = [import_module(name) for name in SERVICE_MODULES_BESIDE.get(app, [])]
    if not hasattr(package, "__path__"):
        return [package, *beside]
    prefix = f"{package.__name__}."
    return [package, *beside] + [
        import_module(info.name) for info in pkgutil.walk_packages(package.__path__, prefix=prefix)
    ]


def _public_functions() -> dict[Callable[..., object], str]:
    found: dict[Callable[..., object], str] = {}
    for app in APPS_WITH_SERVICES:
        for module in _services_modules(app):
            for name, function in inspect.getmembers(module, inspect.isfunction):
                if function.__module__ == module.__name__ and not name.startswith("_"):
                    found[function] = f"{module.__name__}.{name}"
    return found


def _label(function):
    return f"{function.__module__}.{function.__name__}"


@pytest.mark.parametrize("service", list(SCENARIOS), ids=_label)
def test_a_state_changing_service_records_exactly_one_event(db, service):
    case = SCENARIOS[service]()
    before = set(Event.objects.values_list("pk", flat=True))
    result = case.run()
    new = list(Event.objects.exclude(pk__in=before))
    assert sorted(event.verb for event in new) == sorted([case.verb, *case.also])
    [event] = [event for event in new if event.verb == case.verb]
    assert event.actor == case.actor
    assert event.actor_label == (case.actor.email if case.actor else "")
    target = case.target(result) if callable(case.target) else case.target
    if target is None:
        assert (event.target_type, event.target_id) == ("", None)
    else:
        assert (event.target_type, event.target_id) == (target._meta.label_lower, target.pk)
    owner = case.owner(result) if callable(case.owner) else case.owner
    assert event.owner == owner
    assert event.scope == case.scope
    declared = get_declared_event(event.verb)
    assert isinstance(declared.decode(event.payload), declared.payload_type)


def test_every_public_service_function_is_walked_or_explained():
    found = _public_functions()
    unlisted = {
        label
        for function, label in found.items()
        if function not in SCENARIOS | dict.fromkeys(NOT_STATE_CHANGING)
    }
    assert not unlisted, (
        "Give each of these services a scenario in SCENARIOS (and record its event), or, if "
        f"it changes nothing, list it in NOT_STATE_CHANGING with the reason: {sorted(unlisted)}"
    )
    # The walk reaches every app's services, so a module it missed would show up here.
    assert {label.split(".")[0] for label in found.values()} == set(APPS_WITH_SERVICES)
    assert curation.curate_portfolio in found
    assert periodic.flag_waiting_applications in found


def test_the_lists_name_only_current_services_and_each_once():
    found = _public_functions()
    listed = [*SCENARIOS, *NOT_STATE_CHANGING]
    assert [_label(f) for f in listed if f not in found] == []
    assert len(listed) == len(set(listed))


# --- A call that changes nothing records nothing ------------------------------------------------


def _new_events(run):
    before = set(Event.objects.values_list("pk", flat=True))
    run()
    return list(Event.objects.exclude(pk__in=before))


def test_repeating_a_submission_or_a_deletion_records_nothing_more(learner):
    token = uuid.uuid4()

    def create():
        return evidence.create_evidence(
            by=learner,
            kind="link",
            title="Post",
            url="https://example.com",
            submission_token=token,
        )

    item = create()
    assert _new_events(create) == []
    evidence.delete_evidence(item_id=item.pk, by=learner)
    assert _new_events(lambda: evidence.delete_evidence(item_id=item.pk, by=learner)) == []
    assert list(Event.objects.order_by("pk").values_list("verb", flat=True)) == [
        "evidence.created",
        "evidence.deleted",
    ]


def test_saving_what_is_already_there_records_nothing(learner):
    item = EvidenceItemFactory(owner=learner, link=True)
    profile = learner.profile
    curation.curate_portfolio(by=learner, public_item_ids_in_order=[item.pk])
    credential = _issue(learner, MicroCredentialFactory())
    shown = credential.is_shown_publicly
    credentials.set_credential_visibility(
        credential_id=credential.pk, by=learner, is_shown_publicly=not shown
    )
    notifications.mark_read(by=learner)  # the issued credential's notice
    before = Event.objects.count()
    repeats = [
        lambda: curation.curate_portfolio(by=learner, public_item_ids_in_order=[item.pk]),
        lambda: profiles.ensure_profile(user=learner),
        lambda: profiles.update_profile(
            profile_id=profile.pk,
            by=learner,
            display_name=profile.display_name,
            slug=profile.slug,
            headline=profile.headline,
            bio=profile.bio,
            location=profile.location,
            is_public=profile.is_public,
        ),
        lambda: profiles.remove_avatar(profile_id=profile.pk, by=learner),
        lambda: notifications.mark_read(by=learner),
        lambda: credentials.set_credential_visibility(
            credential_id=credential.pk, by=learner, is_shown_publicly=not shown
        ),
        lambda: _issue(learner, credential.micro_credential),
    ]
    for repeat in repeats:
        assert _new_events(repeat) == []
    assert Event.objects.count() == before
    assert Event.objects.filter(verb="credential.visibility_set").count() == 1


def test_resending_e_mails_that_did_not_fail_records_nothing(learner):
    admin = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    sent = Notification.objects.create(
        recipient=learner, kind="credential_issued", subject="Hi", email_state="sent"
    )
    queued = []
    assert (
        _new_events(
            lambda: queued.append(
                notifications.resend_failed_emails(notification_ids=[sent.pk], by=admin)
            )
        )
        == []
    )
    assert queued == [0]


def test_a_second_reminder_run_records_nothing(learner):
    micro_credential = MicroCredentialFactory(validity_months=1)
    _issue(learner, micro_credential, issued_at=timezone.now() - timedelta(days=20))
    assert credentials.remind_expiring_credentials() == 1
    assert _new_events(credentials.remind_expiring_credentials) == []
    assert Event.objects.filter(verb="credential.expiry_reminded").count() == 1


def test_a_refused_change_records_nothing(learner, other_learner):
    credential = _issue(learner, MicroCredentialFactory())
    before = Event.objects.count()
    with pytest.raises(RevocationNotAllowed):
        credentials.revoke_credential(credential_id=credential.pk, by=other_learner, reason="No.")
    with pytest.raises(ProfileError):
        profiles.update_profile(
            profile_id=learner.profile.pk,
            by=other_learner,
            display_name="Taken over",
            slug=learner.profile.slug,
        )
    assert Event.objects.count() == before
    assert Event.objects.filter(verb="credential.issued").count() == 1


# --- What the events say ---------------------------------------------------------------------------


def _payload(event):
    return get_declared_event(event.verb).decode(event.payload)


def test_a_profile_update_names_the_fields_it_changed(learner):
    profile = learner.profile
    [event] = _new_events(
        lambda: profiles.update_profile(
            profile_id=profile.pk,
            by=learner,
            display_name=profile.display_name,
            slug=profile.slug,
            headline="Data storyteller",
            is_public=True,
            avatar=_avatar(),
        )
    )
    assert _payload(event) == ProfileUpdated(
        changed_fields=("headline", "is_public", "avatar"), slug=profile.slug, is_public=True
    )


def test_a_deleted_item_keeps_its_title_in_the_log(learner):
    item = EvidenceItemFactory(owner=learner, link=True, title="Old blog post")
    [event] = _new_events(lambda: evidence.delete_evidence(item_id=item.pk, by=learner))
    assert _payload(event) == EvidenceDeleted(kind="link", title="Old blog post")


def test_a_revocation_keeps_its_reason(learner):
    micro_credential = MicroCredentialFactory()
    staff = _staff_of(micro_credential.issuer)
    credential = _issue(learner, micro_credential, by=staff)
    [event] = _new_events(
        lambda: credentials.revoke_credential(
            credential_id=credential.pk, by=staff, reason="  Issued in error.  "
        )
    )
    assert _payload(event) == CredentialRevoked(reason="Issued in error.")


def test_an_issued_credential_records_what_was_awarded(learner):
    micro_credential = MicroCredentialFactory(title="Data Storytelling", validity_months=12)
    credential = _issue(learner, micro_credential)
    event = Event.objects.get(verb="credential.issued")
    assert _payload(event) == CredentialIssued(
        micro_credential_id=micro_credential.pk,
        title="Data Storytelling",
        award_reference=credential.award_reference,
        expires_at=credential.expires_at,
    )
    assert credential.expires_at is not None


def test_a_renewed_invitation_says_so(db):
    issuer = IssuerFactory()
    staff = _staff_of(issuer)

    def invite():
        return credentials.invite_to_issuer(
            issuer_id=issuer.pk, email=" New@Example.com ", role="staff", by=staff
        )

    [first] = _new_events(invite)
    [second] = _new_events(invite)
    assert (_payload(first).is_renewal, _payload(second).is_renewal) == (False, True)
    assert _payload(second).email == "new@example.com"
    assert first.target_id == second.target_id


def test_importing_the_same_skills_again_records_nothing(db):
    csv_text = "framework,name,description,code,uri\nDigital,Spreadsheets,,,\n"
    assert (
        len(_new_events(lambda: skills.import_skills_csv(by=None, source=io.StringIO(csv_text))))
        == 1
    )
    results = []
    assert (
        _new_events(
            lambda: results.append(skills.import_skills_csv(by=None, source=io.StringIO(csv_text)))
        )
        == []
    )
    assert (results[0].unchanged, results[0].errors) == (1, [])


def test_a_skills_import_counts_what_it_did(db):
    source = io.StringIO(
        "framework,name,description,code,uri\nDigital,Spreadsheets,,,\nDigital,Databases,,,\n"
    )
    [event] = _new_events(lambda: skills.import_skills_csv(by=None, source=source))
    assert _payload(event) == SkillsImported(
        created=2, updated=0, unchanged=0, frameworks_created=("digital",)
    )
