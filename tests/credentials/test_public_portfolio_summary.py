"""What /p/<slug>/ says at the top: verified and claimed skills, links, grouping, metadata."""

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache

from portfolio.models import LearnerProfile
from tests.credentials.conftest import NOW, issue, revoke
from tests.factories import EvidenceItemFactory, IssuerFactory, MicroCredentialFactory, SkillFactory

URL = "/p/public-learner/"


def earn(learner, title, skills=(), issuer=None, **kwargs):
    options = {"issuer": issuer} if issuer is not None else {}
    micro_credential = MicroCredentialFactory(title=title, validity_months=12, **options)
    micro_credential.skills.set(skills)
    return issue(learner, micro_credential, **kwargs)


def chips(html, kind):
    match = re.search(rf'<ul class="chips {kind}-skills">(.*?)</ul>', html, re.S)
    if match is None:
        return []
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", chip)).strip()
        for chip in re.findall(r"<li[^>]*>(.*?)</li>", match.group(1), re.S)
    ]


def json_ld(html):
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match is not None
    return json.loads(match.group(1))


def set_profile(user, **fields):
    LearnerProfile.objects.filter(user=user).update(**fields)
    # Straight into the table, so no event told the cached page.
    cache.clear()


@pytest.fixture
def skills(db):
    return {
        name: SkillFactory(name=name)
        for name in ["SQL", "Charting", "Data cleaning", "Storytelling"]
    }


def test_skills_backed_by_valid_credentials_are_verified_the_rest_claimed(
    client, public_learner, skills
):
    earn(public_learner, "Dashboards", [skills["SQL"], skills["Charting"]])
    earn(public_learner, "Queries", [skills["SQL"]])
    # Expired and revoked credentials vouch for nothing.
    earn(public_learner, "Old Stories", [skills["Storytelling"]], issued_at=NOW.replace(year=2024))
    revoke(earn(public_learner, "Revoked Cleaning", [skills["Data cleaning"]]))
    for title, tagged in [("Notebook", ["Data cleaning", "SQL"]), ("Talk", ["Storytelling"])]:
        item = EvidenceItemFactory(owner=public_learner, title=title, public=True)
        item.skills.set([skills[name] for name in tagged])
    hidden = EvidenceItemFactory(owner=public_learner, title="Private draft")
    hidden.skills.set([SkillFactory(name="Secret skill")])
    text = client.get(URL).text
    assert chips(text, "verified") == ["✓ SQL · 2 credentials", "✓ Charting · 1 credential"]
    assert chips(text, "claimed") == ["Data cleaning · 1 item", "Storytelling · 1 item"]
    assert "Secret skill" not in text
    # The summary comes before the credentials and the evidence, on every screen size.
    assert text.index("skills-heading") < text.index("credentials-heading")
    assert text.index("credentials-heading") < text.index("evidence-heading")


def test_credentials_are_grouped_by_issuer_by_default(client, public_learner, skills):
    north, south = IssuerFactory(name="North College"), IssuerFactory(name="South Academy")
    earn(public_learner, "First North", issuer=north, issued_at=NOW.replace(month=1))
    earn(public_learner, "Only South", issuer=south, issued_at=NOW.replace(month=2))
    earn(public_learner, "Second North", issuer=north)
    text = client.get(URL).text
    groups = re.findall(r'<h3 class="credential-group-heading">([^<]+)</h3>', text)
    assert groups == ["North College", "South Academy"]
    north_part = text[text.index(">North College<") : text.index(">South Academy<")]
    assert north_part.index("Second North") < north_part.index("First North")
    assert "Only South" not in north_part


def test_a_learner_may_group_credentials_by_skill(client, public_learner, skills):
    set_profile(public_learner, group_credentials_by="skill")
    earn(public_learner, "Dashboards", [skills["SQL"], skills["Charting"]])
    earn(public_learner, "Queries", [skills["SQL"]], issued_at=NOW.replace(month=1))
    earn(public_learner, "Untagged", issued_at=NOW.replace(month=2))
    text = client.get(URL).text
    groups = re.findall(r'<h3 class="credential-group-heading">([^<]+)</h3>', text)
    # In the order of their first credential (the newest); a credential's skills by name.
    assert groups == ["Charting", "SQL", "Other skills"]
    sql_part = text[text.index(">SQL</h3>") : text.index(">Other skills</h3>")]
    assert "Dashboards" in sql_part
    assert "Queries" in sql_part
    assert "Untagged" not in sql_part


def test_the_learners_links_are_shown_with_rel_me(client, public_learner):
    set_profile(
        public_learner,
        website_url="https://example.org/me",
        linkedin_url="https://www.linkedin.com/in/public-learner/",
        github_url="https://github.com/public-learner",
    )
    text = client.get(URL).text
    assert '<a href="https://example.org/me" rel="noopener nofollow me">Website</a>' in text
    assert (
        '<a href="https://www.linkedin.com/in/public-learner/" rel="noopener nofollow me">'
        "LinkedIn</a>"
    ) in text
    assert '<a href="https://github.com/public-learner" rel="noopener nofollow me">GitHub</a>' in (
        text
    )


def test_a_link_that_is_not_http_is_never_rendered(client, public_learner):
    # Written past the form (the admin, a shell): the page checks again.
    set_profile(
        public_learner, website_url="javascript:alert(1)", github_url="https://github.com/x"
    )
    text = client.get(URL).text
    assert "javascript:" not in text
    assert '<a href="https://github.com/x" rel="noopener nofollow me">GitHub</a>' in text


def test_search_engines_are_asked_not_to_index_by_default(client, public_learner):
    assert '<meta name="robots" content="noindex">' in client.get(URL).text
    set_profile(public_learner, is_indexable=True)
    text = client.get(URL).text
    assert 'name="robots"' not in text
    assert '<link rel="canonical" href="http://testserver/p/public-learner/">' in text


def test_open_graph_and_twitter_tags_describe_the_page_with_an_image(client, public_learner):
    set_profile(public_learner, headline="Junior data analyst")
    badge_holder = earn(public_learner, "Dashboards")
    micro_credential = badge_holder.micro_credential
    from django.core.files.base import ContentFile

    from tests.factories import png_bytes

    micro_credential.badge_image.save("badge.png", ContentFile(png_bytes()), save=True)
    text = client.get(URL).text
    image = f"http://testserver{micro_credential.badge_image.url}"
    assert '<meta property="og:type" content="profile">' in text
    assert '<meta property="og:title" content="Public Learner">' in text
    assert '<meta property="og:description" content="Junior data analyst">' in text
    assert f'<meta property="og:image" content="{image}">' in text
    assert '<meta name="twitter:card" content="summary_large_image">' in text
    assert '<meta name="twitter:title" content="Public Learner">' in text
    assert f'<meta name="twitter:image" content="{image}">' in text


def test_json_ld_describes_the_person_and_their_valid_credentials(client, public_learner, skills):
    set_profile(public_learner, headline="Analyst", github_url="https://github.com/public-learner")
    valid = earn(public_learner, "Dashboards", [skills["SQL"]])
    earn(public_learner, "Old One", issued_at=NOW.replace(year=2024))
    data = json_ld(client.get(URL).text)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Person"
    assert data["name"] == "Public Learner"
    assert data["url"] == "http://testserver/p/public-learner/"
    assert data["jobTitle"] == "Analyst"
    assert data["sameAs"] == ["https://github.com/public-learner"]
    assert data["knowsAbout"] == ["SQL"]
    assert data["hasCredential"] == [
        {
            "@type": "EducationalOccupationalCredential",
            "name": "Dashboards",
            "credentialCategory": "Micro-credential",
            "url": f"http://testserver/c/{valid.public_id}/",
            "recognizedBy": {
                "@type": "Organization",
                "name": valid.issuer.name,
                "url": valid.issuer.url,
            },
            "dateCreated": "2026-03-01",
            "expires": "2027-03-01",
        }
    ]


def test_json_ld_cannot_be_broken_out_of_by_what_a_learner_writes(client, public_learner):
    hostile = '</script><script>alert("x")</script><!-- & \u2028'
    set_profile(public_learner, display_name=hostile, headline=hostile)
    text = client.get(URL).text
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', text, re.S).group(1)
    assert "<" not in block
    assert ">" not in block
    assert "\\u003C/script\\u003E" in block
    assert json.loads(block)["name"] == hostile
    # Nothing else on the page runs it either: the one inline script is the data block.
    assert '<script>alert("x")' not in text


def test_the_owner_gets_linkedin_add_to_profile_links_for_valid_credentials(client, public_learner):
    valid = earn(public_learner, "Dashboards & Charts")
    earn(public_learner, "Old One", issued_at=NOW.replace(year=2024))
    client.force_login(public_learner)
    text = client.get(URL).text
    links = re.findall(r'<a href="(https://www\.linkedin\.com/profile/add\?[^"]+)"', text)
    assert len(links) == 1
    query = parse_qs(urlsplit(links[0].replace("&amp;", "&")).query)
    assert query == {
        "startTask": ["CERTIFICATION_NAME"],
        "name": ["Dashboards & Charts"],
        "organizationName": [valid.issuer.name],
        "issueYear": ["2026"],
        "issueMonth": ["3"],
        "expirationYear": ["2027"],
        "expirationMonth": ["3"],
        "certUrl": [f"http://testserver/c/{valid.public_id}/"],
        "certId": [str(valid.public_id)],
    }
    client.logout()
    anonymous = client.get(URL).text
    assert "linkedin.com/profile/add" not in anonymous
    assert "Dashboards &amp; Charts" in anonymous


def test_everyone_gets_a_copy_link_button_run_by_a_static_script(client, public_learner):
    text = client.get(URL).text
    assert (
        '<button type="button" class="button button-secondary button-small copy-link" '
        'data-copy-url="http://testserver/p/public-learner/" hidden>'
    ) in text
    assert '<script src="/static/js/copy-link.js" defer></script>' in text
