import io

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from PIL import Image

from portfolio.models import EvidenceItem, LearnerProfile, Skill, SkillFramework, User
from portfolio.selectors import list_public_evidence

pytestmark = pytest.mark.django_db

DEMO_EMAILS = [
    "assessor@example.com",
    "employer@example.com",
    "issuer@example.com",
    "learner@example.com",
]


def load_demo():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def counts():
    return {
        "users": User.objects.count(),
        "profiles": LearnerProfile.objects.count(),
        "frameworks": SkillFramework.objects.count(),
        "skills": Skill.objects.count(),
        "evidence": EvidenceItem.objects.count(),
        "evidence_skill_tags": EvidenceItem.skills.through.objects.count(),
        "email_addresses": EmailAddress.objects.count(),
    }


def test_load_demo_twice_duplicates_nothing():
    first_output = load_demo()
    after_first = counts()
    second_output = load_demo()

    assert after_first == {
        "users": 4,
        "profiles": 1,
        "frameworks": 1,
        "skills": 20,
        "evidence": 12,
        "evidence_skill_tags": 27,
        "email_addresses": 4,
    }
    assert counts() == after_first
    assert 'Skills: "Digital and Data Skills" has 20 skills (20 new, 0 updated).' in first_output
    assert "Evidence: 12 new items for Amara Okafor (0 already there)." in first_output
    assert 'Skills: "Digital and Data Skills" has 20 skills (0 new, 0 updated).' in second_output
    assert "Evidence: 0 new items for Amara Okafor (12 already there)." in second_output
    assert second_output.endswith(
        "Demo logins (password: unbundled-demo):\n"
        "  learner@example.com   Amara Okafor (learner) - public profile at /p/amara-okafor/\n"
        "  assessor@example.com  Demo Assessor (assessor)\n"
        "  employer@example.com  Demo Employer (employer)\n"
        "  issuer@example.com    Demo Issuer (issuer staff) - Django admin at /admin/\n"
    )


def test_demo_logins_work_with_mandatory_email_verification(client, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    load_demo()

    users = {user.email: user for user in User.objects.all()}
    assert sorted(users) == DEMO_EMAILS
    assert {email: user.role for email, user in users.items()} == {
        "assessor@example.com": "assessor",
        "employer@example.com": "employer",
        "issuer@example.com": "issuer_staff",
        "learner@example.com": "learner",
    }
    assert all(user.check_password("unbundled-demo") for user in users.values())
    issuer = users["issuer@example.com"]
    assert (issuer.is_staff, issuer.is_superuser) == (True, True)
    assert not any(users[email].is_staff for email in DEMO_EMAILS if email != "issuer@example.com")
    addresses = EmailAddress.objects.filter(verified=True, primary=True)
    assert sorted(address.email for address in addresses) == DEMO_EMAILS
    response = client.post(
        "/accounts/login/", {"login": "learner@example.com", "password": "unbundled-demo"}
    )
    assert response.status_code == 302
    assert response.url == "/dashboard/"


def test_amara_has_a_public_profile_and_a_curated_library_of_real_files():
    load_demo()

    profile = LearnerProfile.objects.select_related("user").get()
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
    assert kinds == ["file"] * 3 + ["image"] * 3 + ["link"] * 3 + ["reflection"] * 3
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
