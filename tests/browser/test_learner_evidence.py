import re

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD, LearnerProfileFactory, UserFactory, png_bytes

pytestmark = pytest.mark.browser

TITLE = "Poster for the community data fair"


@pytest.fixture
def amara(transactional_db):
    user = UserFactory(email="learner@example.com", with_profile=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    LearnerProfileFactory(user=user, public=True, slug="amara-okafor", display_name="Amara Okafor")
    return user


def expect_image_loaded(image):
    expect(image).to_be_visible()
    image.scroll_into_view_if_needed()
    image.page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )


def test_learner_uploads_an_image_and_shows_it_on_the_public_page(
    live_server, amara, page, new_page, screenshot
):
    page.goto(live_server.url)
    expect(page.get_by_role("link", name="Start your portfolio")).to_be_visible()
    screenshot(page, "home")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill("learner@example.com")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    screenshot(page, "login")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Welcome, Amara Okafor")).to_be_visible()
    screenshot(page, "dashboard")

    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Evidence").click()
    expect(page.get_by_role("heading", name="Evidence library")).to_be_visible()
    page.get_by_text("Add evidence", exact=True).click()
    page.get_by_role("listitem").get_by_role("link", name="Upload an image").click()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Image").set_input_files(
        {"name": "poster.png", "mimeType": "image/png", "buffer": png_bytes((640, 480))}
    )
    screenshot(page, "image-form")
    page.get_by_role("button", name="Add to my library").click()
    expect(page.get_by_text(f"Added “{TITLE}” to your evidence library.")).to_be_visible()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect_image_loaded(page.get_by_role("img", name=TITLE, exact=True))
    screenshot(page, "image-saved")

    nav.get_by_role("link", name="Evidence").click()
    expect_image_loaded(page.get_by_role("img", name=f"Thumbnail of {TITLE}"))
    screenshot(page, "library-with-thumbnail")

    nav.get_by_role("link", name="Portfolio").click()
    show_on_public_page = page.get_by_role("row").filter(has_text=TITLE).get_by_role("checkbox")
    show_on_public_page.check()
    page.get_by_role("button", name="Save public portfolio").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    expect(show_on_public_page).to_be_checked()
    screenshot(page, "portfolio-saved")

    visitor = new_page()
    visitor.goto(f"{live_server.url}/p/amara-okafor/")
    expect(visitor.get_by_role("heading", name="Amara Okafor")).to_be_visible()
    expect(visitor.get_by_text(TITLE)).to_be_visible()
    expect_image_loaded(visitor.get_by_role("img", name=re.compile(TITLE)))
    screenshot(visitor, "public-page")
