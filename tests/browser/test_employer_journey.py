"""An employer's journey in real Chromium: find people by two skills, save the search, check
one's credential.

The journey is a list of steps (STEPS) run in order on one signed-in page; each step acts
through the page's own controls, asserts what the employer sees, and leaves a screenshot
named after it in the artefacts folder (tests/browser/conftest.py). A new step (saving the
search, say) is one more function in STEPS, after the step whose page it starts from.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import Page, expect

from credentials.directory.documents import rebuild_directory
from credentials.models import IssuedCredential, SavedSearch
from credentials.records import RubricResultRecord
from credentials.services import issue_credential
from tests.browser.accessibility import axe_problems
from tests.browser.test_credential_print import decode_qr_codes
from tests.factories import (
    TEST_PASSWORD,
    IssuerFactory,
    LearnerProfileFactory,
    MicroCredentialFactory,
    SkillFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser

EMPLOYER_EMAIL = "employer@example.com"


def verified_user(email, **traits):
    user = UserFactory(email=email, with_profile=False, **traits)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def learner(email, name, slug, *, public=True):
    user = verified_user(email)
    LearnerProfileFactory(user=user, is_public=public, slug=slug, display_name=name)
    return user


def award(holder, micro_credential, reference):
    staff = UserFactory(issuer_staff=True)
    micro_credential.issuer.staff.add(staff)
    return issue_credential(
        by=staff,
        learner_id=holder.pk,
        micro_credential_id=micro_credential.pk,
        award_reference=reference,
        assessor_id=None,
        evidence=[],
        rubric_results=[
            RubricResultRecord(
                criterion="Clarity", level="Meets", required_level="Meets", comment=""
            )
        ],
        issued_at=timezone.now() - timedelta(days=10),
    )


@pytest.fixture
def people(transactional_db):
    """Amara holds both skills; Ben only one; Chen holds both but keeps his profile private."""
    python = SkillFactory(name="Python scripting", slug="python-scripting")
    charts = SkillFactory(name="Data visualisation", slug="data-visualisation")
    issuer = IssuerFactory(name="Northfield Institute", slug="northfield")
    storytelling = MicroCredentialFactory(
        issuer=issuer, title="Data Storytelling", slug="data-storytelling", validity_months=24
    )
    storytelling.skills.set([charts])
    scripting = MicroCredentialFactory(
        issuer=issuer, title="Scripting Essentials", slug="scripting", validity_months=24
    )
    scripting.skills.set([python])

    amara = learner("amara@example.com", "Amara Okafor", "amara-okafor")
    ben = learner("ben@example.com", "Ben Carter", "ben-carter")
    chen = learner("chen@example.com", "Chen Li", "chen-li", public=False)
    credentials = {
        "amara-storytelling": award(amara, storytelling, "journey:amara-storytelling"),
        "amara-scripting": award(amara, scripting, "journey:amara-scripting"),
        "ben-scripting": award(ben, scripting, "journey:ben-scripting"),
        "chen-storytelling": award(chen, storytelling, "journey:chen-storytelling"),
        "chen-scripting": award(chen, scripting, "journey:chen-scripting"),
    }
    verified_user(EMPLOYER_EMAIL, employer=True)
    # The directory's documents follow events after commit; build them outright here.
    rebuild_directory()
    return credentials


@dataclass
class Journey:
    page: Page
    base_url: str
    credentials: dict[str, IssuedCredential]
    # Filled in by the steps, for the steps after them.
    found: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"


def sign_in(journey: Journey) -> None:
    page = journey.page
    page.goto(journey.url("/accounts/login/?next=/directory/"))
    page.get_by_label("Email").fill(EMPLOYER_EMAIL)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(journey.url("/directory/"))
    expect(page.get_by_role("heading", name="Directory", level=1)).to_be_visible()


def search_by_two_skills(journey: Journey) -> None:
    page = journey.page
    search = page.get_by_role("search", name="Search the directory")
    search.get_by_label("Skills (each must hold)").select_option(
        label=["Data visualisation", "Python scripting"]
    )
    search.get_by_role("button", name="Search").click()

    query = parse_qs(urlsplit(page.url).query)
    assert sorted(query["skill"]) == ["data-visualisation", "python-scripting"]
    results = page.get_by_role("region", name="Profiles")
    # Only Amara holds both: Ben holds one, and Chen's profile is private.
    expect(results.get_by_role("heading", level=3)).to_have_text(["Amara Okafor"])
    card = results.get_by_role("listitem").filter(has_text="Amara Okafor").first
    expect(card).to_contain_text("Verified skills")
    expect(card).to_contain_text("Data visualisation")
    expect(card).to_contain_text("Python scripting")
    expect(card).to_contain_text("Data Storytelling")
    expect(results).not_to_contain_text("Ben Carter")
    expect(results).not_to_contain_text("Chen Li")
    # The chosen skills stay chosen, so the employer can refine the search.
    expect(search.get_by_label("Skills (each must hold)")).to_have_values(
        [re.compile("data-visualisation"), re.compile("python-scripting")]
    )
    journey.found["search_url"] = page.url
    assert axe_problems(page) == []


def save_the_search(journey: Journey) -> None:
    page = journey.page
    form = page.get_by_role("form", name="Save this search")
    name = form.get_by_label("Name this search")
    # A name is suggested from the skills searched for.
    expect(name).to_have_value("Data visualisation, Python scripting")
    name.fill("Analysts who chart")
    form.get_by_role("button", name="Save this search").click()
    expect(page.get_by_text("Search saved as “Analysts who chart”.")).to_be_visible()
    # Back on the same search, by its normalised address.
    expect(page).to_have_url(
        journey.url("/directory/?skill=data-visualisation&skill=python-scripting")
    )
    results = page.get_by_role("region", name="Profiles")
    expect(results.get_by_role("heading", level=3)).to_have_text(["Amara Okafor"])
    [saved] = SavedSearch.objects.all()
    assert (saved.owner.email, saved.name, saved.query) == (
        EMPLOYER_EMAIL,
        "Analysts who chart",
        "skill=data-visualisation&skill=python-scripting",
    )
    # Amara matches already, so the first daily e-mail will not list her.
    assert list(saved.matches.values_list("profile__display_name", flat=True)) == ["Amara Okafor"]
    assert axe_problems(page) == []


def open_profile(journey: Journey) -> None:
    page = journey.page
    page.get_by_role("region", name="Profiles").get_by_role("link", name="Amara Okafor").click()
    expect(page).to_have_url(journey.url("/p/amara-okafor/"))
    expect(page.get_by_role("heading", name="Amara Okafor", level=1)).to_be_visible()
    skills = page.get_by_role("region", name="Skills")
    expect(skills).to_contain_text("Data visualisation")
    expect(skills).to_contain_text("Python scripting")
    assert axe_problems(page) == []


def open_credential(journey: Journey) -> None:
    page = journey.page
    credential = journey.credentials["amara-storytelling"]
    credentials = page.get_by_role("region", name="Credentials")
    credentials.get_by_role("link", name="Data Storytelling").click()
    credential_url = journey.url(f"/c/{credential.public_id}/")
    expect(page).to_have_url(credential_url)
    expect(page.get_by_role("heading", name="VALID", level=1)).to_be_visible()
    expect(page.get_by_text("Awarded to")).to_contain_text("Amara Okafor")
    journey.found["credential_url"] = credential_url
    assert axe_problems(page) == []


def print_credential(journey: Journey) -> None:
    page = journey.page
    credential_url = journey.found["credential_url"]
    address = page.locator(".credential-print-url")
    qr_code = page.locator(".credential-print-check svg.qr-code")
    expect(address).to_be_hidden()
    page.emulate_media(media="print")
    # On paper the full address is written out, and the QR code leads to the same page.
    expect(address).to_be_visible()
    expect(address).to_have_text(credential_url)
    expect(qr_code).to_be_visible()
    expect(page.get_by_role("heading", name="VALID", level=1)).to_be_visible()
    expect(page.locator(".site-header")).to_be_hidden()
    assert decode_qr_codes(page.screenshot(full_page=True)) == [credential_url]


# In order; each takes the page from where the one before left it.
STEPS: tuple[Callable[[Journey], None], ...] = (
    sign_in,
    search_by_two_skills,
    save_the_search,
    open_profile,
    open_credential,
    print_credential,
)


def test_an_employer_finds_a_holder_of_two_skills_saves_the_search_and_prints_a_credential(
    live_server, people, page, screenshot, settings
):
    # As in the production profile: the directory is an employer's tool, not open to all.
    settings.DIRECTORY_IS_PUBLIC = False
    journey = Journey(page=page, base_url=live_server.url, credentials=people)
    for step in STEPS:
        step(journey)
        screenshot(page, step.__name__.replace("_", "-"))
