"""The profile form's links, search-engine switch and credential grouping."""

import pytest

from portfolio.models import Event, LearnerProfile
from tests.portfolio.test_profile import URL, form_data


def test_links_switch_and_grouping_are_saved_and_recorded(client, learner):
    client.force_login(learner)
    response = client.post(
        URL,
        form_data(
            learner.profile,
            website_url="example.org/me",
            linkedin_url="https://uk.linkedin.com/in/ada-example",
            github_url=" https://github.com/ada-example ",
            is_indexable="on",
            group_credentials_by="skill",
        ),
    )
    assert response.status_code == 302
    profile = LearnerProfile.objects.get(user=learner)
    # A bare host is taken as https, as browsers do.
    assert profile.website_url == "https://example.org/me"
    assert profile.linkedin_url == "https://uk.linkedin.com/in/ada-example"
    assert profile.github_url == "https://github.com/ada-example"
    assert profile.is_indexable is True
    assert profile.group_credentials_by == "skill"
    event = Event.objects.get(verb="profile.updated")
    assert set(event.payload["changed_fields"]) == {
        "website_url",
        "linkedin_url",
        "github_url",
        "is_indexable",
        "group_credentials_by",
    }


def test_a_new_profile_is_not_indexed_and_groups_by_issuer(learner):
    profile = learner.profile
    assert profile.is_indexable is False
    assert profile.group_credentials_by == "issuer"
    assert (profile.website_url, profile.linkedin_url, profile.github_url) == ("", "", "")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("website_url", "javascript:alert(1)", "Enter a valid URL."),
        ("website_url", "ftp://example.org/", "Enter a web address starting with https:// or http://."),
        ("linkedin_url", "https://github.com/ada", "Enter an address on linkedin.com, such as https://www.linkedin.com/in/your-name/."),
        ("linkedin_url", "https://notlinkedin.com/in/ada", "Enter an address on linkedin.com, such as https://www.linkedin.com/in/your-name/."),
        ("github_url", "https://github.com.evil.example/ada", "Enter an address on github.com, such as https://github.com/your-name."),
        ("github_url", "https://github.com/" + "a" * 600, "Ensure this value has at most 500 characters (it has 619)."),
    ],
)  # fmt: skip
def test_a_bad_link_is_refused_with_the_rule(client, learner, field, value, message):
    client.force_login(learner)
    response = client.post(URL, form_data(learner.profile, **{field: value}))
    assert response.status_code == 200
    assert message in response.text
    assert getattr(LearnerProfile.objects.get(user=learner), field) == ""


def test_an_unknown_grouping_is_refused(client, learner):
    client.force_login(learner)
    response = client.post(URL, form_data(learner.profile, group_credentials_by="colour"))
    assert "Select a valid choice. colour is not one of the available choices." in response.text
    assert LearnerProfile.objects.get(user=learner).group_credentials_by == "issuer"
