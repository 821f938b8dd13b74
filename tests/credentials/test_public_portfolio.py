import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from credentials.selectors.portfolio_page import safe_link
from credentials.services import create_share_link
from portfolio.models import LearnerProfile
from portfolio.services.curation import curate_portfolio
from portfolio.services.profiles import set_avatar, update_profile
from tests.factories import EvidenceItemFactory, SkillFactory, png_bytes

URL = "/p/public-learner/"


def titles_in_page(html):
    return re.findall(r'<h3 class="card-title">([^<]+)</h3>', html)


@pytest.fixture
def skills(db):
    return [SkillFactory(name="Data cleaning"), SkillFactory(name="Charting")]


def make_items(owner, count, skills, start=0):
    """Public items of every kind, each tagged with skills, in order `start + 1`..."""
    kinds = [{}, {"image": True}, {"pdf": True}, {"link": True}]
    items = []
    for n in range(count):
        item = EvidenceItemFactory(
            owner=owner,
            title=f"Item {start + n + 1}",
            public=True,
            public_position=start + n + 1,
            **kinds[n % len(kinds)],
        )
        item.skills.set(skills[: 1 + n % 2])
        items.append(item)
    return items


def test_anonymous_visitor_sees_the_profile(client, public_learner):
    profile = public_learner.profile
    profile.headline = "Junior data analyst"
    profile.location = "Leeds"
    profile.bio = "I like tidy data.\n\nAnd <b>clear</b> charts."
    profile.save()
    response = client.get(URL)
    text = response.text
    assert "<h1>Public Learner</h1>" in text
    assert '<p class="profile-headline">Junior data analyst</p>' in text
    assert "Leeds" in text
    # The bio is plain text: paragraphs kept, markup escaped rather than rendered.
    assert "<p>I like tidy data.</p>" in text
    assert "<p>And &lt;b&gt;clear&lt;/b&gt; charts.</p>" in text
    assert '<span class="avatar" aria-hidden="true">PL</span>' in text
    assert "<title>Public Learner — Junior data analyst · Unbundled</title>" in text
    assert '<meta name="description" content="Junior data analyst">' in text
    assert '<meta property="og:url" content="http://testserver/p/public-learner/">' in text
    assert "Public Learner has not shared any evidence yet." in text


def test_avatar_is_shown_with_an_absolute_open_graph_image(client, public_learner):
    upload = SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")
    profile = set_avatar(profile_id=public_learner.profile.pk, by=public_learner, upload=upload)
    response = client.get(URL)
    assert f'<img class="avatar" src="{profile.avatar.url}"' in response.text
    assert f'<meta property="og:image" content="http://testserver{profile.avatar.url}">' in (
        response.text
    )
    assert 'class="avatar" aria-hidden="true"' not in response.text


def test_page_shows_exactly_the_public_items_in_the_chosen_order(
    client, public_learner, other_learner
):
    first = EvidenceItemFactory(owner=public_learner, title="First")
    second = EvidenceItemFactory(owner=public_learner, title="Second", link=True)
    third = EvidenceItemFactory(owner=public_learner, title="Third", pdf=True)
    EvidenceItemFactory(owner=public_learner, title="Hidden draft")
    EvidenceItemFactory(owner=other_learner, title="Someone else's", public=True)
    curate_portfolio(by=public_learner, public_item_ids_in_order=[third.pk, first.pk, second.pk])
    response = client.get(URL)
    assert titles_in_page(response.text) == ["Third", "First", "Second"]
    assert "Hidden draft" not in response.text
    assert "Someone else" not in response.text


def test_each_kind_renders_as_the_public_expects(client, public_learner):
    image = EvidenceItemFactory(owner=public_learner, title="Poster", image=True, public=True)
    pdf = EvidenceItemFactory(
        owner=public_learner, title="Report", pdf=True, public=True, file_size=2048
    )
    EvidenceItemFactory(
        owner=public_learner,
        title="Site",
        link=True,
        public=True,
        url="https://example.org/work?x=1",
    )
    response = client.get(URL)
    text = response.text
    assert f'<a class="public-item-image" href="/evidence/{image.pk}/file/">' in text
    assert f'<img class="evidence-image" src="/evidence/{image.pk}/thumbnail/"' in text
    assert f'href="/evidence/{pdf.pk}/file/">Open PDF document (2.0\xa0KB)</a>' in text
    assert (
        '<a class="external-link" href="https://example.org/work?x=1" rel="nofollow noopener">'
        "example.org</a>"
    ) in text
    assert '<time datetime="2026-03-14">14 March 2026</time>' in text


def test_a_link_that_is_not_http_is_never_made_clickable(client, public_learner):
    EvidenceItemFactory(
        owner=public_learner, title="Sneaky", link=True, public=True, url="javascript:alert(1)"
    )
    response = client.get(URL)
    assert "Sneaky" in response.text
    assert "javascript:" not in response.text


def test_reflections_are_rendered_as_sanitised_markdown(client, public_learner):
    EvidenceItemFactory(
        owner=public_learner,
        title="Thoughts",
        public=True,
        body="I **learned** a lot.\n\n<script>alert('x')</script>\n\n[bad](javascript:alert(1))",
    )
    response = client.get(URL)
    text = response.text
    assert "<strong>learned</strong>" in text
    assert "<script>alert" not in text
    assert "javascript:alert" not in text


def test_a_reflections_headings_rank_below_its_cards_title(client, public_learner):
    EvidenceItemFactory(
        owner=public_learner,
        title="Thoughts",
        public=True,
        body="# What happened\n\nA lot.\n\n## What went well\n\nMost of it.",
    )
    text = client.get(URL).text
    assert titles_in_page(text) == ["Thoughts"]
    assert "<h4>What happened</h4>" in text
    assert "<h5>What went well</h5>" in text
    assert "<h1>What happened" not in text


def test_skills_only_on_evidence_are_summed_up_as_claimed(client, public_learner, skills):
    make_items(public_learner, 3, skills)
    response = client.get(URL)
    text = response.text
    assert '<h2 id="skills-heading">Skills</h2>' in text
    assert "Verified <span" not in text
    summary = text[text.index('<ul class="chips claimed-skills">') :]
    # Data cleaning is on all three items, Charting on one: the most shown comes first.
    assert summary.index("Data cleaning <span") < summary.index("Charting <span")
    assert 'Data cleaning <span class="chip-count">· 3 items</span>' in summary
    assert 'Charting <span class="chip-count">· 1 item</span>' in summary


@pytest.mark.parametrize("slug", ["public-learner", "nobody-here"])
def test_private_or_unknown_profiles_are_404(client, public_learner, learner, slug):
    LearnerProfile.objects.filter(user=public_learner).update(is_public=False)
    EvidenceItemFactory(owner=public_learner, public=True)
    assert client.get(f"/p/{slug}/").status_code == 404
    assert client.get(f"/p/{learner.profile.slug}/").status_code == 404
    # Made public, the profile has its page again.
    LearnerProfile.objects.filter(user=public_learner).update(is_public=True)
    assert client.get("/p/public-learner/").status_code == 200


def test_switching_the_profile_off_hides_the_page(
    client, public_learner, django_capture_on_commit_callbacks
):
    EvidenceItemFactory(owner=public_learner, title="Shown", public=True)
    assert titles_in_page(client.get(URL).text) == ["Shown"]
    profile = public_learner.profile
    with django_capture_on_commit_callbacks(execute=True):
        update_profile(
            profile_id=profile.pk,
            by=public_learner,
            display_name="Public Learner",
            slug=profile.slug,
        )
    assert client.get(URL).status_code == 404


def test_the_owner_gets_links_to_manage_the_page(client, public_learner):
    client.force_login(public_learner)
    response = client.get(URL)
    assert "This is your public page, as visitors see it." in response.text
    client.logout()
    assert "This is your public page" not in client.get(URL).text


def test_query_count_does_not_grow_with_the_number_of_items(
    client, public_learner, skills, django_assert_max_num_queries
):
    make_items(public_learner, 4, skills)
    # The profile, the items, their skills, the credentials shown and theirs.
    with django_assert_max_num_queries(5):
        response = client.get(URL)
    assert len(titles_in_page(response.text)) == 4

    make_items(public_learner, 8, skills, start=4)
    # Not through a service, so nothing told the cache: start afresh.
    cache.clear()
    with django_assert_max_num_queries(5):
        response = client.get(URL)
    assert titles_in_page(response.text) == [f"Item {n}" for n in range(1, 13)]


def test_a_bio_of_160_characters_is_the_whole_page_description(client, public_learner):
    profile = public_learner.profile
    profile.headline = ""
    profile.bio = "Tidy data, clear charts. " * 6 + "Ten more.."
    assert len(profile.bio) == 160
    profile.save()
    text = client.get(URL).text
    assert f'<meta name="description" content="{profile.bio}">' in text


def test_a_longer_bio_is_cut_to_160_characters_for_the_description(client, public_learner):
    profile = public_learner.profile
    profile.headline = ""
    profile.bio = "Tidy data, clear charts. " * 6 + "Ten more..!"
    profile.save()
    text = client.get(URL).text
    cut = ("Tidy data, clear charts. " * 6 + "Ten more.")[:159]
    assert f'<meta name="description" content="{cut}…">' in text


TRANSCRIPT_LINK = (
    '<a href="/p/public-learner/transcript.pdf" type="application/pdf">'
    "Transcript of credentials (PDF)</a>"
)


def set_transcript_public(user, is_public):
    update_profile(
        profile_id=user.profile.pk,
        by=user,
        display_name="Public Learner",
        slug="public-learner",
        is_public=True,
        transcript_is_public=is_public,
    )


def test_the_page_links_to_the_transcript_only_while_the_learner_allows_it(
    client, public_learner, django_capture_on_commit_callbacks
):
    text = client.get(URL).text
    assert "<h1>Public Learner</h1>" in text
    assert "transcript.pdf" not in text
    assert client.get("/p/public-learner/transcript.pdf").status_code == 404

    # Through the service, as the profile form does: the cached page must follow.
    with django_capture_on_commit_callbacks(execute=True):
        set_transcript_public(public_learner, True)
    assert TRANSCRIPT_LINK in client.get(URL).text
    transcript = client.get("/p/public-learner/transcript.pdf")
    assert transcript.status_code == 200
    assert transcript["Content-Type"] == "application/pdf"

    with django_capture_on_commit_callbacks(execute=True):
        set_transcript_public(public_learner, False)
    text = client.get(URL).text
    assert "<h1>Public Learner</h1>" in text
    assert "transcript.pdf" not in text


def test_a_share_link_to_a_private_page_offers_no_transcript(client, public_learner):
    set_transcript_public(public_learner, True)
    LearnerProfile.objects.filter(user=public_learner).update(is_public=False)
    link = create_share_link(
        by=public_learner, label="Acme", expires_at=timezone.now() + timedelta(days=7)
    )
    text = client.get(f"/p/public-learner/s/{link.token}/").text
    # The public transcript is not there to link to: it exists only for a public profile.
    assert "<h1>Public Learner</h1>" in text
    assert "transcript.pdf" not in text
    assert client.get("/p/public-learner/transcript.pdf").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org:8443/me",
        "https://someone:secret@example.org/me",
        "https://someone@example.org:8443/me",
    ],
)
def test_a_links_port_and_user_info_are_not_shown_as_its_host(url):
    # Only the bare host is shown beside a link, never a port or a name and password.
    assert safe_link(url) == (url, "example.org")
