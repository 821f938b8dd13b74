"""No page of ours, for any role, has inline script, a style attribute or a <style> without nonce.

The CSP header forbids them (tests/config/test_security.py checks the header), so a browser
would silently drop whatever they do; here each page's HTML is checked, so the mistake shows up
as a failing test rather than as a page that looks or works wrong.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.test import Client

from credentials.models import Issuer
from credentials.services import invite_to_issuer
from portfolio.models import User
from tests.factories import UserFactory
from tests.module_data import rolled_back_at_the_end
from tests.site_pages import (
    add_bulk_issuance,
    add_invitation_to_sign_up,
    add_share_links,
    demo_page_urls,
    unlisted_url_names,
)

SCRIPT_ELEMENT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b([^>]*)>", re.IGNORECASE)
# A style attribute inside any tag, however it is quoted or spaced (style=, STYLE =).
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)
# allauth's e-mail page hands its dialog text to its script in a JSON block; browsers never run it.
JSON_DATA = re.compile(r'\stype="application/(?:ld\+)?json"')
NONCE = re.compile(r'\snonce="[^"]+"')

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "learner",
    "assessor",
    "invited assessor",
    "employer",
    "issuer staff",
    "site admin",
]


def problems_in(html: str) -> list[str]:
    found = []
    for attributes in SCRIPT_ELEMENT.findall(html):
        runs_inline = " src=" not in attributes and not JSON_DATA.search(attributes)
        if runs_inline and not NONCE.search(attributes):
            found.append(f"inline <script{attributes}>")
    found += [
        f"<style{a}> without nonce" for a in STYLE_ELEMENT.findall(html) if not NONCE.search(a)
    ]
    found += [f"style attribute: {m[:80]}" for m in STYLE_ATTRIBUTE.findall(html)]
    found += [f"event handler: {m[:80]}" for m in EVENT_HANDLER.findall(html)]
    found += [f"javascript: URL: {m}" for m in JAVASCRIPT_URL.findall(html)]
    return found


def test_the_checker_sees_each_kind_of_inline_code():
    html = (
        '<script>alert(1)</script><script nonce="abc">ok()</script><script src="/s.js"></script>'
        '<style>p{}</style><style nonce="abc">p{}</style><p STYLE = "color:red">x</p>'
        '<img src="x" onerror="alert(1)"><a href="javascript:alert(1)">x</a>'
        '<script type="application/json">{}</script>'
    )
    assert problems_in(html) == [
        "inline <script>",
        "<style> without nonce",
        "style attribute: <p STYLE =",
        'event handler: <img src="x" onerror=',
        'javascript: URL: href="javascript:',
    ]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[dict[str, User | None]]:
    # Loading the demo takes seconds, so it is loaded once for the module.
    with rolled_back_at_the_end(django_db_blocker):
        call_command("load_demo", stdout=None)
        staff = UserFactory(email="plain.staff@example.com", issuer_staff=True)
        issuer = Issuer.objects.order_by("pk")[0]
        issuer.staff.add(staff)
        # An open invitation, so the invitee's list has something to show.
        invitee = UserFactory(email="invited.assessor@example.com", assessor=True)
        invite_to_issuer(issuer_id=issuer.pk, email=invitee.email, role="assessor", by=staff)
        add_invitation_to_sign_up()
        add_share_links()
        add_bulk_issuance()
        yield {
            "anonymous": None,
            "learner": User.objects.get(email="learner@example.com"),
            "assessor": User.objects.get(email="assessor@example.com"),
            "invited assessor": invitee,
            "employer": User.objects.get(email="employer@example.com"),
            "issuer staff": staff,
            "site admin": User.objects.get(email="issuer@example.com"),
        }


@dataclass
class Visit:
    name: str
    path: str
    status: int
    html: str
    policy: str


# The page each role must reach, so a walk that met only redirects and 404s cannot pass.
KEY_PAGE = {
    "anonymous": "account_login",
    "learner": "portfolio:evidence-list",
    "assessor": "assessments:queue",
    "invited assessor": "credentials:invitation-list",
    "employer": "credentials:catalogue",
    "issuer staff": "admin:credentials_issuedcredential_changelist",
    "site admin": "admin:portfolio_skill_changelist",
}


@pytest.fixture(scope="module")
def pages(demo) -> list[tuple[str, str]]:
    return demo_page_urls(superuser=demo["site admin"])


@pytest.fixture(scope="module")
def visits(demo, pages, django_db_blocker) -> dict[str, list[Visit]]:
    """Every page as each role gets it: the HTML ones (pages, and the 404 page)."""
    seen: dict[str, list[Visit]] = {}
    with django_db_blocker.unblock():
        for role in ROLES:
            client = Client()
            if demo[role] is not None:
                client.force_login(demo[role])
            seen[role] = []
            for name, path in pages:
                response = client.get(path)
                if response["Content-Type"].startswith("text/html"):
                    seen[role].append(
                        Visit(
                            name,
                            path,
                            response.status_code,
                            response.text,
                            response.headers.get("Content-Security-Policy", ""),
                        )
                    )
    return seen


def test_every_url_of_ours_is_a_page_walked_here_or_named_as_not_one(pages):
    assert unlisted_url_names(pages) == set()


@pytest.mark.parametrize("role", ROLES)
def test_no_page_has_inline_script_or_style(visits, role):
    failures = [
        f"{visit.path}: {problem}" for visit in visits[role] for problem in problems_in(visit.html)
    ]
    assert failures == []
    unprotected = [
        visit.path
        for visit in visits[role]
        if "script-src 'self'" not in visit.policy or "unsafe" in visit.policy
    ]
    assert unprotected == []
    reached = {visit.name for visit in visits[role] if visit.status == 200}
    assert KEY_PAGE[role] in reached


def test_every_page_was_checked_for_some_role(visits, pages):
    reached = {
        visit.name
        for role_visits in visits.values()
        for visit in role_visits
        if visit.status == 200 or (visit.name == "not-found" and visit.status == 404)
    }
    assert {name for name, _ in pages} - reached == set()
