"""WCAG 2.4.11: the application form's sticky Save bar never covers the field that has focus."""

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from assessments.services import applying
from portfolio.models import EvidenceItem
from tests.factories import (
    EvidenceItemFactory,
    LearnerProfileFactory,
    MicroCredentialFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser

# Long enough that most fields start below the fold at either size.
CRITERIA = ["Clarity", "Use of evidence", "Audience", "Accuracy", "Reflection"]
# Where the focused element is, what covers its middle, and the bar's box, all read at once.
FOCUS_AND_BAR = """() => {
  const focused = document.activeElement;
  const bar = document.querySelector(".sticky-actions");
  const box = focused.getBoundingClientRect();
  const x = Math.min(Math.max(box.left + box.width / 2, 0), innerWidth - 1);
  const y = Math.min(Math.max(box.top + box.height / 2, 0), innerHeight - 1);
  const onTop = document.elementFromPoint(x, y);
  return {
    label: focused.id || focused.name || focused.textContent.trim().slice(0, 40),
    inBar: bar.contains(focused),
    top: box.top,
    bottom: box.bottom,
    barTop: bar.getBoundingClientRect().top,
    coveredByBar: onTop !== null && bar.contains(onTop) && !bar.contains(focused),
  };
}"""


@pytest.fixture
def draft_application(transactional_db):
    learner = UserFactory(email="learner@example.com", with_profile=False)
    EmailAddress.objects.create(user=learner, email=learner.email, verified=True, primary=True)
    LearnerProfileFactory(user=learner, display_name="Amara Okafor")
    for n in range(4):
        EvidenceItemFactory(owner=learner, title=f"Evidence {n + 1}")
    assert EvidenceItem.objects.filter(owner=learner).count() == 4
    micro_credential = MicroCredentialFactory(rubric=CRITERIA)
    return learner, applying.start_application(by=learner, micro_credential_id=micro_credential.pk)


def _signed_in_page(new_page, live_server, user, viewport):
    page = new_page()
    page.set_viewport_size(viewport)
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": session.key, "value": session.value, "url": live_server.url}]
    )
    return page


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 800}, {"width": 320, "height": 640}],
    ids=["desktop", "phone"],
)
def test_tabbing_through_the_application_form_never_hides_the_focus_behind_the_save_bar(
    viewport, draft_application, live_server, new_page, screenshot
):
    learner, application = draft_application
    page = _signed_in_page(new_page, live_server, learner, viewport)
    page.goto(f"{live_server.url}/applications/{application.pk}/edit/")
    expect(page.get_by_role("heading", name="5. Reflection")).to_be_attached()
    bar = page.locator(".sticky-actions")
    expect(bar.get_by_role("button", name="Save and submit")).to_be_visible()

    page.get_by_role("heading", level=1).click()  # start tabbing from the top of the page
    fields_checked = 0
    for _ in range(120):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_AND_BAR)
        if state["inBar"]:
            break  # the bar's own buttons come after the last field
        fields_checked += 1
        assert not state["coveredByBar"], f"the Save bar covers {state}"
        assert state["bottom"] <= state["barTop"] + 1, (
            f"{state['label']} ends under the bar: {state}"
        )
    else:
        pytest.fail("tabbing never reached the Save bar")

    # The form was long enough to make the test mean something: each criterion has a
    # statement, a level and evidence boxes, and the fields went past the first screen.
    assert fields_checked > 4 * len(CRITERIA)
    assert page.evaluate("() => window.scrollY") > 0
    screenshot(page, "focus-reached-the-bar")
