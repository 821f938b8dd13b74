"""Huge, negative and non-numeric ids in every id-bearing field: a form error or a 404, never a 500.

The pages are rendered for real and their forms read from the HTML, so a field added to any
of them later is walked too: every hidden input, checkbox, radio, option or named button
whose value is an id (a whole number or a UUID) gets each bad value in turn, and is sent to
every place the form submits to (its action and each button's formaction).
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from assessments.services import applying, reviewing
from credentials.services import issue_credential
from portfolio.models import EvidenceItem
from tests.factories import (
    EvidenceItemFactory,
    MicroCredentialFactory,
    SkillFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BAD_IDS = {
    "huge": "99999999999999999999",
    "just-past-64-bits": str(2**63),
    "negative": "-1",
    "zero": "0",
    "non-numeric": "abc",
    "decimal": "1.5",
}
ID_VALUE = re.compile(r"\A(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\Z")
# Numbers that are counts, not ids: a formset's management fields and the inbox page number.
NOT_IDS = re.compile(r"(?:-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS|\Apage)\Z")
ERROR_SHOWN = re.compile(r'class="errorlist|class="message message-error')


@dataclass
class Form:
    method: str
    action: str
    # (name, value) pairs a browser sends without any interaction, in order.
    defaults: list[tuple[str, str]] = field(default_factory=list)
    # name -> every id value offered for it (hidden, checkbox, radio, option, named button).
    id_fields: dict[str, list[str]] = field(default_factory=dict)
    buttons: list[tuple[str, str, str]] = field(default_factory=list)  # name, value, formaction

    def targets(self):
        return sorted({self.action, *(action for _n, _v, action in self.buttons if action)})


class FormReader(HTMLParser):
    """The forms of a page, as a browser would submit them."""

    def __init__(self, page_url):
        super().__init__()
        self.page_url = page_url
        self.forms = []
        self.form = None
        self.select = None
        self.textarea = None

    def _offer(self, name, value):
        if ID_VALUE.match(value) and not NOT_IDS.search(name):
            self.form.id_fields.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.form = Form(a.get("method", "get").lower(), a.get("action") or self.page_url)
            self.forms.append(self.form)
            return
        if self.form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            value = a.get("value", "")
            if kind in {"hidden", "checkbox", "radio"}:
                self._offer(name, value)
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            if kind not in {"submit", "button", "file", "image", "reset"}:
                self.form.defaults.append((name, value if kind != "checkbox" else value or "on"))
        elif tag == "button":
            self.form.buttons.append((name or "", a.get("value", ""), a.get("formaction", "")))
            if name:
                self._offer(name, a.get("value", ""))
        elif tag == "select" and name:
            self.select = name
        elif tag == "option" and self.select:
            value = a.get("value", "")
            self._offer(self.select, value)
            if "selected" in a:
                self.form.defaults.append((self.select, value))
        elif tag == "textarea" and name:
            self.textarea = [name, ""]

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            self.form.defaults.append((self.textarea[0], self.textarea[1].lstrip("\n")))
            self.textarea = None


def read_forms(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    reader = FormReader(url)
    reader.feed(response.text)
    return [form for form in reader.forms if form.id_fields]


def submit(client, form, target, data):
    if form.method == "post":
        return client.post(
            target, urlencode(data), content_type="application/x-www-form-urlencoded"
        )
    return client.get(f"{target}?{urlencode(data)}")


def assert_refused_clearly(client, response, what):
    """A 404, or the page (or the one it redirects to) shows an error; never a 500."""
    if response.status_code == 302:
        response = client.get(response.headers["Location"])
    assert response.status_code in {200, 404}, what
    if response.status_code == 200:
        assert ERROR_SHOWN.search(response.text), what


@pytest.fixture
def pages(learner, assessor, django_capture_on_commit_callbacks):
    """Every page of ours with an id-bearing form, signed in as the role that uses it."""
    SkillFactory.create_batch(2)
    micro_credential = MicroCredentialFactory(assessors=[assessor])
    items = EvidenceItemFactory.create_batch(2, owner=learner)
    with django_capture_on_commit_callbacks(execute=True):
        draft = applying.start_application(by=learner, micro_credential_id=micro_credential.pk)
        other = MicroCredentialFactory(assessors=[assessor])
        reviewed = applying.start_application(by=UserFactory(), micro_credential_id=other.pk)
        for criterion in other.criteria_set.all():
            item = EvidenceItemFactory(owner=reviewed.learner)
            applying.save_response(
                application_id=reviewed.pk,
                by=reviewed.learner,
                criterion_id=criterion.pk,
                statement="How I meet it.",
                self_assessed_level_id=None,
                evidence_item_ids=[item.pk],
            )
        applying.submit_application(application_id=reviewed.pk, by=reviewed.learner)
        reviewing.claim_application(application_id=reviewed.pk, by=assessor)
    # A notification for the learner's inbox, and a credential for My credentials.
    with django_capture_on_commit_callbacks(execute=True):
        issue_credential(
            by=assessor,
            learner_id=learner.pk,
            micro_credential_id=other.pk,
            award_reference="id-fields-test",
            assessor_id=assessor.pk,
            evidence=[],
            rubric_results=[],
        )
    assert learner.notifications.exists(), "the inbox needs a notification to mark read"
    return {
        "notification inbox": (learner, reverse("portfolio:notification-list")),
        "add a file": (learner, reverse("portfolio:evidence-create", args=["file"])),
        "add an image": (learner, reverse("portfolio:evidence-create", args=["image"])),
        "add a link": (learner, reverse("portfolio:evidence-create", args=["link"])),
        "write a reflection": (learner, reverse("portfolio:evidence-create", args=["reflection"])),
        "edit evidence": (learner, reverse("portfolio:evidence-edit", args=[items[0].pk])),
        "curate the portfolio": (learner, reverse("portfolio:portfolio-curate")),
        "draft an application": (learner, reverse("assessments:application-edit", args=[draft.pk])),
        "my credentials": (learner, reverse("credentials:my-credentials")),
        "review queue": (assessor, reverse("assessments:queue")),
        "review an application": (assessor, reverse("assessments:review", args=[reviewed.pk])),
    }


PAGES = [
    "notification inbox",
    "add a file",
    "add an image",
    "add a link",
    "write a reflection",
    "edit evidence",
    "curate the portfolio",
    "draft an application",
    "my credentials",
    "review queue",
    "review an application",
]


@pytest.mark.parametrize("bad", BAD_IDS.values(), ids=BAD_IDS.keys())
@pytest.mark.parametrize("page", PAGES)
def test_every_id_field_of_every_form_refuses_bad_ids_without_a_500(pages, page, bad):
    user, url = pages[page]
    client = Client()
    client.force_login(user)
    forms = read_forms(client, url)
    assert forms, f"{page} has no form with an id-bearing field"

    walked = 0
    for form in forms:
        for name in form.id_fields:
            for target in form.targets():
                data = [(key, value) for key, value in form.defaults if key != name]
                data.append((name, bad))
                response = submit(client, form, target, data)
                assert_refused_clearly(client, response, f"{page}: {name}={bad} to {target}")
                walked += 1
    assert walked >= 1


def _int_routes(resolver=None, prefix=""):
    """Every URL pattern of ours with an <int:…> part, as (name, converter names)."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in {None, "portfolio", "credentials", "assessments", "api"} and (
                entry.app_name != "admin"
            ):
                namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
                yield from _int_routes(entry, namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            converters = entry.pattern.converters
            ints = [key for key, conv in converters.items() if isinstance(conv, IntConverter)]
            if ints and len(ints) == len(converters):
                yield f"{prefix}{entry.name}", ints


INT_ROUTES = sorted(_int_routes())


def test_the_url_walk_finds_our_id_routes():
    names = {name for name, _params in INT_ROUTES}
    assert {
        "portfolio:evidence-detail",
        "assessments:application-edit",
        "assessments:review",
        "api:evidence-detail",
    } <= names


@pytest.mark.parametrize(("route", "params"), INT_ROUTES, ids=[name for name, _ in INT_ROUTES])
@pytest.mark.parametrize("user_fixture", ["learner", "assessor"])
def test_an_id_in_a_url_past_any_real_one_is_a_404(request, route, params, user_fixture):
    client = Client()
    client.force_login(request.getfixturevalue(user_fixture))
    url = reverse(route, kwargs=dict.fromkeys(params, int(BAD_IDS["huge"])))

    responses = [client.get(url), client.post(url)]

    # Each view answers either method with a 404, or refuses the method it does not take.
    assert {response.status_code for response in responses} <= {404, 405}
    assert 404 in {response.status_code for response in responses}


def test_an_in_lookup_leaves_out_ids_no_column_can_hold_and_keeps_the_rest(learner):
    real = EvidenceItemFactory(owner=learner)

    found = EvidenceItem.objects.filter(pk__in=[10**20, -(10**20), real.pk])
    nothing = EvidenceItem.objects.filter(pk__in=[10**20])

    assert list(found) == [real]
    assert list(nothing) == []
    assert EvidenceItem.objects.exclude(pk__in=[10**20]).get() == real
