"""The header's links follow what each role may use (config.context_processors.capabilities)."""

import re

import pytest

LINKS = ["Evidence", "Applications", "Credentials", "Portfolio", "Review queue", "Admin", "Profile"]


def header_links(response):
    header = re.search(r'<header class="site-header">.*?</header>', response.text, re.S)
    assert header is not None
    return [name for name in LINKS if f">{name}</a>" in header.group(0)]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("learner", ["Evidence", "Applications", "Credentials", "Portfolio", "Profile"]),
        ("assessor", ["Review queue"]),
        ("issuer_staff", ["Admin"]),
        ("employer", []),
    ],
)
def test_each_role_sees_the_links_it_may_use(client, request, role, expected):
    user = request.getfixturevalue(role)
    client.force_login(user)
    response = client.get("/credentials/")
    assert response.status_code == 200
    assert header_links(response) == expected
    # Every role keeps the links everyone has.
    assert ">Inbox" in response.text
    assert ">Dashboard</a>" in response.text


def test_anonymous_visitors_see_only_the_catalogue_and_sign_in(client, db):
    response = client.get("/credentials/")
    assert header_links(response) == []
    assert ">Log in</a>" in response.text
