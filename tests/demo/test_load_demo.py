import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from assessments.models import (
    Application,
    CriterionResponse,
    Review,
    SubmittedEvidence,
)
from assessments.selectors import list_history
from credentials.models import (
    ContactRequest,
    IssuedCredential,
    Issuer,
    MicroCredential,
    RubricCriterion,
    RubricLevel,
    SavedSearch,
    SigningKey,
)
from credentials.public import public_credentials
from credentials.vc.clr import sign_learner_record
from credentials.vc.identity import resolve_verification_method
from credentials.vc.proofs import format_created, verify
from demo.directory import read_directory_data
from demo.specs import read_demo_data
from portfolio.models import (
    Event,
    EvidenceItem,
    LearnerProfile,
    Notification,
    Skill,
    SkillFramework,
    User,
)
from portfolio.selectors import list_public_evidence
from tests.credentials.pdf_reading import pdf_text
from tests.module_data import rolled_back_at_the_end

pytestmark = pytest.mark.django_db

DEMO_EMAILS = [
    "assessor@example.com",
    "employer@example.com",
    "issuer@example.com",
    "learner@example.com",
]
QUEUE_LEARNER_EMAILS = [
    "farah.haddad@example.com",
    "tomasz.nowicki@example.com",
    "meilin.zhou@example.com",
    "kojo.amankwah@example.com",
    "siobhan.dunleavy@example.com",
    "rahul.venkataraman@example.com",
    "leilani.kahale@example.com",
    "mateo.quispe@example.com",
    "ingrid.solberg@example.com",
    "nnamdi.eze@example.com",
]


def load_demo():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo data, loaded once for the tests that only read it."""
    with rolled_back_at_the_end(django_db_blocker):
        load_demo()
        yield


def counts():
    return {
        "users": User.objects.count(),
        "profiles": LearnerProfile.objects.count(),
        "frameworks": SkillFramework.objects.count(),
        "skills": Skill.objects.count(),
        "evidence": EvidenceItem.objects.count(),
        "evidence_skill_tags": EvidenceItem.skills.through.objects.count(),
        "email_addresses": EmailAddress.objects.count(),
        "issuers": Issuer.objects.count(),
        "issuer_staff": Issuer.staff.through.objects.count(),
        "micro_credentials": MicroCredential.objects.count(),
        "assessor_assignments": MicroCredential.assessors.through.objects.count(),
        "criteria": RubricCriterion.objects.count(),
        "levels": RubricLevel.objects.count(),
        "credentials": IssuedCredential.objects.count(),
        "applications": Application.objects.count(),
        "responses": CriterionResponse.objects.count(),
        "submitted_evidence": SubmittedEvidence.objects.count(),
        "reviews": Review.objects.count(),
        "events": Event.objects.count(),
        "notifications": Notification.objects.count(),
    }


def assessor_queue():
    assessor = User.objects.get(email="assessor@example.com")
    return Application.objects.awaiting_review().filter(micro_credential__assessors=assessor)


def test_load_demo_twice_duplicates_nothing():
    first_output = load_demo()
    after_first = counts()
    second_output = load_demo()

    assert counts() == after_first
    assert after_first | {"events": None, "notifications": None} == {
        "users": 59,
        "profiles": 55,
        "frameworks": 1,
        "skills": 20,
        "evidence": 122,
        "evidence_skill_tags": 197,
        "email_addresses": 59,
        "issuers": 2,
        "issuer_staff": 2,
        "micro_credentials": 9,
        "assessor_assignments": 6,
        "criteria": 22,
        "levels": 66,
        "credentials": 77,
        "applications": 18,
        "responses": 52,
        "submitted_evidence": 43,
        "reviews": 10,
        "events": None,
        "notifications": None,
    }
    assert after_first["events"] > after_first["applications"]
    assert after_first["notifications"] > after_first["applications"]
    assert 'Skills: "Digital and Data Skills" has 20 skills (20 new, 0 updated).' in first_output
    assert "Evidence: 12 new items for Amara Okafor (0 already there)." in first_output
    assert "Issuer: Harbourside Digital Skills Centre created." in first_output
    assert "Micro-credentials: 6 new (0 already there)." in first_output
    assert "Applications: 18 demo scenarios played (0 already there)." in first_output
    assert 'Skills: "Digital and Data Skills" has 20 skills (0 new, 0 updated).' in second_output
    assert "Evidence: 0 new items for Amara Okafor (12 already there)." in second_output
    assert "Issuer: Harbourside Digital Skills Centre already there." in second_output
    assert "Micro-credentials: 0 new (6 already there)." in second_output
    assert "Learners: 0 new queue learners (10 already there), 0 new evidence items." in (
        second_output
    )
    assert "Applications: 0 demo scenarios played (18 already there)." in second_output
    assert (
        "In the database now:\n"
        "  Micro-credentials: 9 (8 published, 1 retired)\n"
        "  Learners: 55, with 122 evidence items\n"
        "  Applications: 18 (1 draft, 8 submitted, 1 changes requested, 3 resubmitted, "
        "5 approved)\n"
        "  Credentials: 77 (62 valid, 10 expired, 5 revoked)\n"
    ) in second_output
    # Every demo credential is signed once, by its issuer's key, with its final dates.
    assert "  Signed credentials (Open Badges 3.0): 77 (77 signed just now)\n" in first_output
    assert "  Signed credentials (Open Badges 3.0): 77 (0 signed just now)\n" in second_output
    assert SigningKey.objects.filter(issuer__isnull=False).count() == 2
    # The site's own key signs the demo learner's record of their credentials.
    assert SigningKey.objects.filter(issuer__isnull=True).count() == 1
    record = sign_learner_record(learner=User.objects.get(email="learner@example.com"))
    assert verify(record, resolve_key=resolve_verification_method).verified
    assert record["credentialSubject"]["verifiableCredential"]
    for credential in IssuedCredential.objects.select_related("issuer")[:77:19]:
        document = json.loads(credential.documents.get(format="ob3").content)
        assert verify(document, resolve_key=resolve_verification_method).verified
        assert document["validFrom"] == format_created(credential.issued_at)
        assert document["issuer"]["name"] == credential.issuer.name
    assert "Directory: 44 new learners (0 already there), credentials from 2 issuers." in (
        first_output
    )
    assert "Directory: 0 new learners (44 already there), credentials from 2 issuers." in (
        second_output
    )
    assert second_output.endswith(
        "Demo logins (password: unbundled-demo):\n"
        "  learner@example.com   Amara Okafor (learner) - public profile at /p/amara-okafor/\n"
        "  assessor@example.com  Demo Assessor (assessor) - 11 applications waiting at /review/\n"
        "  employer@example.com  Demo Employer (employer)\n"
        "  issuer@example.com    Demo Issuer (issuer staff) - Django admin at /admin/\n"
        "  ...and 10 more learners with applications in the queue, such as "
        "farah.haddad@example.com\n"
    )


def test_demo_logins_work_with_mandatory_email_verification(client, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    load_demo()

    users = {user.email: user for user in User.objects.all()}
    directory = read_directory_data(read_demo_data())
    generated = [learner.spec.user.email for learner in directory.learners]
    assert sorted(users) == sorted(
        DEMO_EMAILS + QUEUE_LEARNER_EMAILS + generated + [directory.issuer_staff.email]
    )
    assert {email: users[email].role for email in DEMO_EMAILS} == {
        "assessor@example.com": "assessor",
        "employer@example.com": "employer",
        "issuer@example.com": "issuer_staff",
        "learner@example.com": "learner",
    }
    assert {users[email].role for email in QUEUE_LEARNER_EMAILS} == {"learner"}
    assert all(user.check_password("unbundled-demo") for user in users.values())
    issuer = users["issuer@example.com"]
    assert (issuer.is_staff, issuer.is_superuser) == (True, True)
    assert not any(user.is_staff for email, user in users.items() if email != issuer.email)
    addresses = EmailAddress.objects.filter(verified=True, primary=True)
    assert sorted(address.email for address in addresses) == sorted(users)
    for email in ("learner@example.com", "nnamdi.eze@example.com"):
        client.logout()
        response = client.post("/accounts/login/", {"login": email, "password": "unbundled-demo"})
        assert response.status_code == 302
        assert response.url == "/dashboard/"


def test_amara_has_a_public_profile_and_a_curated_library_of_real_files(demo):
    profile = LearnerProfile.objects.select_related("user").get(user__email="learner@example.com")
    assert (profile.user.email, profile.display_name, profile.slug, profile.is_public) == (
        "learner@example.com",
        "Amara Okafor",
        "amara-okafor",
        True,
    )
    assert profile.headline == "Junior data analyst: SQL, Python and dashboards that people use"
    assert profile.location == "Leeds, United Kingdom"
    assert profile.bio.startswith("I moved into data from five years of running customer services")
    with profile.avatar.open("rb") as avatar:
        assert Image.open(avatar).size == (256, 256)

    items = EvidenceItem.objects.filter(owner=profile.user)
    kinds = sorted(items.values_list("kind", flat=True))
    # The twelve items of her library, plus the older workbook behind her expired credential.
    assert kinds == ["file"] * 3 + ["image"] * 3 + ["link"] * 3 + ["reflection"] * 4
    assert not items.filter(skills=None).exists()
    assert [item.title for item in list_public_evidence(owner=profile.user)] == [
        "Branch performance dashboard mock-up",
        "Data quality report: library loans",
        "Monthly loans bar chart",
        "Library loans cleaning scripts",
        "Presenting findings to the library board",
        "Test plan for the room bookings API",
        "Blog post: running my first usability test",
    ]

    images = items.filter(kind=EvidenceItem.Kind.IMAGE)
    assert sorted(item.content_type for item in images) == ["image/jpeg", "image/png", "image/webp"]
    for item in images:
        with item.thumbnail.open("rb") as thumbnail:
            thumb = Image.open(thumbnail)
            assert thumb.format == "WEBP"
            assert max(thumb.size) <= 480
        with item.file.open("rb") as stored:
            assert Image.open(stored).format in {"PNG", "JPEG", "WEBP"}
    pdfs = items.filter(kind=EvidenceItem.Kind.FILE)
    assert pdfs.count() == 3
    for item in pdfs:
        assert item.content_type == "application/pdf"
        with item.file.open("rb") as stored:
            assert stored.read(5) == b"%PDF-"


def test_the_demo_issuer_has_five_published_micro_credentials_and_one_retired(demo):
    issuer = Issuer.objects.get(slug="harbourside-digital-skills")
    assert (issuer.name, issuer.slug, issuer.url) == (
        "Harbourside Digital Skills Centre",
        "harbourside-digital-skills",
        "https://harbourside.example.org/",
    )
    assert list(issuer.staff.values_list("email", flat=True)) == ["issuer@example.com"]
    with issuer.logo.open("rb") as logo:
        image = Image.open(logo)
        assert (image.format, image.width == image.height) == ("PNG", True)

    micro_credentials = MicroCredential.objects.filter(issuer=issuer)
    assert sorted(micro_credentials.values_list("status", flat=True)) == ["published"] * 5 + [
        "retired"
    ]
    retired = micro_credentials.get(status="retired")
    assert retired.slug == "cloud-and-security-essentials"
    # Published and retired through the services, by the demo issuer, as the audit log shows.
    events = Event.objects.filter(
        target_type="credentials.microcredential",
        target_id__in=micro_credentials.values("pk"),
    )
    assert sorted(events.values_list("verb", "target_id", "actor__email")) == sorted(
        [
            ("micro_credential.published", pk, "issuer@example.com")
            for pk in micro_credentials.values_list("pk", flat=True)
        ]
        + [("micro_credential.retired", retired.pk, "issuer@example.com")]
    )
    assert set(micro_credentials.values_list("level", flat=True)) == {
        "foundational",
        "intermediate",
        "advanced",
    }
    validity = list(micro_credentials.values_list("validity_months", flat=True))
    assert None in validity
    assert {12, 24, 36} <= set(validity)
    for micro_credential in micro_credentials:
        assert micro_credential.summary
        assert micro_credential.description
        assert micro_credential.criteria
        assert micro_credential.evidence_expected
        assert micro_credential.estimated_hours > 0
        assert micro_credential.skills.exists()
        assert list(micro_credential.assessors.values_list("email", flat=True)) == [
            "assessor@example.com"
        ]
        with micro_credential.badge_image.open("rb") as badge:
            assert micro_credential.badge_image.name.endswith(".png")
            image = Image.open(badge)
            assert (image.format, image.size) == ("PNG", (400, 400))
        criteria = list(micro_credential.criteria_set.prefetch_related("levels"))
        assert 2 <= len(criteria) <= 4
        assert [c.position for c in criteria] == list(range(1, len(criteria) + 1))
        for criterion in criteria:
            assert criterion.description
            levels = list(criterion.levels.all())
            assert [(level.position, level.name) for level in levels] == [
                (1, "Not yet"),
                (2, "Meets"),
                (3, "Exceeds"),
            ]
            assert all(level.description for level in levels)
            assert criterion.required_level == levels[1]


def test_every_demo_micro_credential_states_the_eu_recommendations_elements(demo):
    micro_credentials = list(MicroCredential.objects.select_related("issuer", "stacks_towards"))
    # Six from issuer.toml and three from the second issuer in directory.toml.
    assert len(micro_credentials) == 9
    for micro_credential in micro_credentials:
        # What every micro-credential states (2022/C 243/02, Annex I), checked as the admin does.
        micro_credential.full_clean(exclude=["badge_image"])
        assert micro_credential.issuer.country
        assert micro_credential.learning_outcomes.startswith("A holder is able to:")
        assert micro_credential.assessment_type in MicroCredential.AssessmentType.values
        assert micro_credential.participation in MicroCredential.Participation.values
        assert micro_credential.quality_assurance
        assert micro_credential.eqf_level is not None
    # The optional ones are stated where they are, and each choice shows up somewhere.
    by_slug = {m.slug: m for m in micro_credentials}
    assert {slug: m.stacks_towards.slug for slug, m in by_slug.items() if m.stacks_towards} == {
        "spreadsheet-modelling-essentials": "dashboards-for-decision-makers",
        "accessible-service-testing": "api-testing-automation",
    }
    assert by_slug["api-testing-automation"].ects_credits == Decimal("1.5")
    assert by_slug["data-cleaning-foundations"].ects_credits is None
    assert by_slug["accessible-service-testing"].national_framework_level == "NFQ level 6"
    assert {m.assessment_type for m in micro_credentials} == {
        "portfolio",
        "application",
        "project",
        "test",
    }
    assert {m.participation for m in micro_credentials} == {
        "online",
        "on_site",
        "blended",
        "work_experience",
    }
    assert "" not in {m.supervision for m in micro_credentials}
    assert {m.issuer.slug: m.issuer.country for m in micro_credentials} == {
        "harbourside-digital-skills": "Ireland",
        "northgate-institute": "United Kingdom",
    }
    assert by_slug["agile-project-delivery"].national_framework_level == "RQF level 5"


def test_amara_holds_valid_expired_and_revoked_credentials(demo):
    now = timezone.now()

    credentials = IssuedCredential.objects.filter(
        learner__email="learner@example.com"
    ).select_related("micro_credential", "revoked_by", "assessor")
    by_slug = {c.micro_credential.slug: c for c in credentials}
    assert len(by_slug) >= 4
    assert {slug: c.status_at(now) for slug, c in by_slug.items()} == {
        "cloud-and-security-essentials": "valid",
        "spreadsheet-modelling-essentials": "expired",
        "data-cleaning-foundations": "valid",
        "dashboards-for-decision-makers": "valid",
        "accessible-service-testing": "revoked",
    }
    # Each was issued through an application the demo assessor approved.
    for credential in credentials:
        assert credential.application.status == Application.Status.APPROVED
        assert credential.assessor.email == "assessor@example.com"
        assert credential.award_reference == f"application:{credential.application.pk}"
        assert credential.evidence_snapshot
        assert len(credential.rubric_results) == credential.micro_credential.criteria_set.count()
        assert credential.issued_at < now
    expired = by_slug["spreadsheet-modelling-essentials"]
    assert expired.expires_at < now
    assert expired.application.decided_at == expired.issued_at
    revoked = by_slug["accessible-service-testing"]
    assert revoked.revoked_by.email == "issuer@example.com"
    assert revoked.revocation_reason.startswith("Issued in error")
    assert revoked.issued_at < revoked.revoked_at < now
    # Retiring a micro-credential keeps what it issued valid.
    retired = by_slug["cloud-and-security-essentials"]
    assert retired.micro_credential.status == MicroCredential.Status.RETIRED
    assert IssuedCredential.objects.valid_at(now).filter(pk=retired.pk).exists()


def test_amaras_transcript_is_public_and_lists_her_valid_credentials(demo, client, settings):
    settings.SITE_URL = "http://testserver"

    response = client.get("/p/amara-okafor/transcript.pdf")

    assert response.status_code == 200
    text = pdf_text(response.content)
    valid = IssuedCredential.objects.valid_at(timezone.now()).filter(
        learner__email="learner@example.com"
    )
    assert valid.count() == 3
    for credential in valid.select_related("micro_credential"):
        assert credential.micro_credential.title in text
    assert "Spreadsheet Modelling Essentials" not in text
    assert "Amara Okafor" in text


def test_amara_has_applications_in_draft_submitted_and_changes_requested(demo):
    open_applications = {
        a.micro_credential.slug: a.status
        for a in Application.objects.open()
        .filter(learner__email="learner@example.com")
        .select_related("micro_credential")
    }
    assert open_applications == {
        "spreadsheet-modelling-essentials": "draft",
        "accessible-service-testing": "submitted",
        "api-testing-automation": "changes_requested",
    }
    changes = Application.objects.get(
        learner__email="learner@example.com", status="changes_requested"
    )
    review = changes.reviews.get()
    assert (review.decision, review.assessor.email) == ("request_changes", "assessor@example.com")
    assert review.feedback.startswith("The test plan is excellent")
    # None of her open applications is for a credential she validly holds.
    valid = IssuedCredential.objects.valid_at(timezone.now()).filter(
        learner__email="learner@example.com"
    )
    assert not set(valid.values_list("micro_credential__slug", flat=True)) & set(open_applications)


def test_the_assessors_queue_has_applications_of_every_age(demo):
    now = timezone.now()

    queue = list(assessor_queue().select_related("learner").order_by("submitted_at"))
    assert len(queue) == 11
    assert queue[0].learner.email == "farah.haddad@example.com"
    assert queue[-1].learner.email == "nnamdi.eze@example.com"
    ages = [(now - application.submitted_at).days for application in queue]
    assert ages == sorted(ages, reverse=True)
    assert ages[0] >= 21
    assert ages[-1] <= 1
    assert len(set(ages)) == len(ages)
    assert sum(age > 7 for age in ages) >= 3
    resubmitted = [a for a in queue if a.status == Application.Status.RESUBMITTED]
    assert len(resubmitted) == 3
    for application in resubmitted:
        assert application.round == 2
        assert application.first_submitted_at < application.submitted_at
        assert application.reviews.get().decision == "request_changes"
        history = list_history(application=application)
        statuses = [step.to_status for step in history]
        assert statuses == ["submitted", "in_review", "changes_requested", "resubmitted"]
        times = [step.created_at for step in history]
        assert times == sorted(times)
        assert times[-1] == application.submitted_at
    for application in queue:
        assert application.assessor is None
        assert application.submitted_evidence.filter(round=application.round).exists()
    other_learners = LearnerProfile.objects.exclude(user__email="learner@example.com")
    assert other_learners.filter(is_public=True).exists()
    assert other_learners.filter(is_public=False).exists()
    for email in QUEUE_LEARNER_EMAILS:
        assert 1 <= EvidenceItem.objects.filter(owner__email=email).count() <= 3


@pytest.mark.django_db(transaction=True)
def test_the_demo_sends_no_email_and_prints_none(capsys):
    # A transactional test, so that on-commit hooks (and with them the e-mail tasks) run
    # while load_demo is running, as they do for real.
    mailers = settings.MAILERS
    output = load_demo()

    assert mail.outbox == []
    assert mailers == settings.MAILERS
    notifications = Notification.objects.all()
    assert notifications.count() > 20
    # Recorded with their e-mail skipped: nothing was queued to send later either.
    assert set(notifications.values_list("email_state", flat=True)) == {"skipped"}
    assert not notifications.filter(emailed_at__isnull=False).exists()
    assert "Subject:" not in output
    captured = capsys.readouterr()
    assert "Subject:" not in captured.out + captured.err
    # Older notifications are marked read; the inbox's unread ones are from the last week.
    week_ago = timezone.now() - timedelta(days=7)
    assert not notifications.filter(read_at__isnull=True, created_at__lt=week_ago).exists()
    assert notifications.filter(read_at__isnull=True, recipient__email="assessor@example.com")


def test_the_directory_has_forty_more_public_learners_with_credentials_from_two_issuers(demo):
    generated = read_directory_data(read_demo_data()).learners
    emails = [learner.spec.user.email for learner in generated]
    assert len(emails) == len(set(emails)) >= 40
    profiles = LearnerProfile.objects.filter(user__email__in=emails)
    public = profiles.filter(is_public=True)
    assert public.count() >= 40
    # Some keep their page private or turned employers' messages off.
    assert profiles.filter(is_public=False).exists()
    assert public.filter(accepts_contact_requests=False).exists()
    shown = public_credentials().filter(learner__email__in=emails)
    assert set(shown.values_list("issuer__slug", flat=True)) == {
        "harbourside-digital-skills",
        "northgate-institute",
    }
    # Varied: many micro-credentials and skills, some expired, and revoked ones not shown.
    assert shown.values("micro_credential").distinct().count() >= 6
    assert (
        EvidenceItem.skills.through.objects.filter(evidenceitem__owner__email__in=emails)
        .values("skill")
        .distinct()
        .count()
        >= 12
    )
    now = timezone.now()
    assert shown.filter(expires_at__lte=now).exists()
    revoked = IssuedCredential.objects.filter(learner__email__in=emails, revoked_at__isnull=False)
    assert revoked.exists()
    assert not shown.filter(pk__in=revoked).exists()
    assert all(len(list_public_evidence(owner=profile.user)) == 2 for profile in public[:5])


def test_the_demo_employer_has_sent_the_demo_learner_a_request():
    load_demo()
    load_demo()

    [request] = ContactRequest.objects.all()
    assert (request.employer.email, request.learner.email, request.status) == (
        "employer@example.com",
        "learner@example.com",
        "open",
    )
    assert request.subject == "Data analyst role in our Leeds team"
    [notice] = Notification.objects.filter(kind="contact_request_received")
    assert (notice.recipient, notice.email_state) == (request.learner, "skipped")
    # And has one saved search, whose current matches are known (so no digest repeats them).
    [saved_search] = SavedSearch.objects.all()
    assert (saved_search.owner.email, saved_search.name, saved_search.query) == (
        "employer@example.com",
        "Data visualisation, verified",
        "skill=data-visualisation&verified=on",
    )
    assert saved_search.matches.exists()
