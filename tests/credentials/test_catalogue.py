import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile

from credentials.models import RubricCriterion, RubricLevel
from credentials.selectors.catalogue import HOLDERS_SHOWN, get_catalogue_entry
from tests.credentials.conftest import NOW, get_counting_queries, issue, revoke
from tests.factories import (
    IssuerFactory,
    LearnerProfileFactory,
    MicroCredentialFactory,
    SkillFactory,
    UserFactory,
    png_bytes,
)

URL = "/credentials/"
THREE_YEARS_AGO = NOW - timedelta(days=3 * 365)


def card_titles(html):
    return re.findall(r'<h2 class="card-title">\s*<a href="/credentials/[^"]+/">([^<]+)</a>', html)


@pytest.fixture
def skills(db):
    return {
        "cleaning": SkillFactory(name="Data cleaning"),
        "charts": SkillFactory(name="Charting"),
        "sql": SkillFactory(name="SQL querying"),
    }


@pytest.fixture
def catalogue(db, skills):
    northfield = IssuerFactory(name="Northfield Institute", slug="northfield")
    harbour = IssuerFactory(name="Harbour College", slug="harbour")
    storytelling = MicroCredentialFactory(
        issuer=northfield, title="Data Storytelling", level="intermediate", estimated_hours=12
    )
    storytelling.skills.set([skills["charts"], skills["cleaning"]])
    MicroCredentialFactory(
        issuer=harbour, title="SQL Foundations", level="foundational"
    ).skills.set([skills["sql"]])
    MicroCredentialFactory(issuer=harbour, title="Advanced Dashboards", level="advanced")
    MicroCredentialFactory(issuer=northfield, title="Secret Draft", status="draft")
    MicroCredentialFactory(issuer=northfield, title="Old Spreadsheets", status="retired")
    return storytelling


def test_lists_published_micro_credentials_only(client, catalogue):
    response = client.get(URL)
    assert card_titles(response.text) == [
        "Advanced Dashboards",
        "Data Storytelling",
        "SQL Foundations",
    ]
    assert "3 micro-credentials." in response.text
    assert "Secret Draft" not in response.text
    assert "Old Spreadsheets" not in response.text


def card_for(html, title):
    return next(card for card in html.split("<article")[1:] if f">{title}</a>" in card)


def test_a_card_shows_issuer_level_hours_skills_and_a_generated_badge(client, catalogue):
    card = card_for(client.get(URL).text, "Data Storytelling")
    assert 'aria-hidden="true">DS</span>' in card
    assert '<p class="small muted badge-issuer">Northfield Institute</p>' in card
    assert '<span class="pill">Intermediate</span> · about 12 hours' in card
    assert '<li class="chip">Charting</li><li class="chip">Data cleaning</li>' in card
    assert "Communicate findings from data clearly." in card


def test_a_card_shows_the_badge_image_when_there_is_one(client, catalogue):
    catalogue.badge_image.save("badge.png", ContentFile(png_bytes((200, 200))))
    text = client.get(URL).text
    assert f'<img class="badge-image" src="{catalogue.badge_image.url}" alt=""' in text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("story", ["Data Storytelling"]),
        ("DASHBOARDS", ["Advanced Dashboards"]),
        ("sql", ["SQL Foundations"]),  # title and skill both match: listed once
        ("charting", ["Data Storytelling"]),  # by skill name only
        ("data", ["Data Storytelling"]),  # title, and two of its skills: listed once
        ("knitting", []),
    ],
)
def test_search_by_title_or_skill(client, catalogue, query, expected):
    response = client.get(URL, {"q": query})
    assert card_titles(response.text) == expected
    if expected:
        count = len(expected)
        assert f"{count} micro-credential{'s' if count > 1 else ''} match" in response.text
    else:
        assert "No micro-credential matches your search." in response.text


def test_filter_by_level(client, catalogue):
    response = client.get(URL, {"level": "foundational"})
    assert card_titles(response.text) == ["SQL Foundations"]
    assert '<option value="foundational" selected>Foundational</option>' in response.text


def test_filter_by_issuer(client, catalogue):
    response = client.get(URL, {"issuer": "harbour"})
    assert card_titles(response.text) == ["Advanced Dashboards", "SQL Foundations"]


def test_filters_combine_with_the_search(client, catalogue):
    response = client.get(URL, {"issuer": "harbour", "level": "advanced", "q": "dash"})
    assert card_titles(response.text) == ["Advanced Dashboards"]
    assert client.get(URL, {"issuer": "northfield", "q": "sql"}).text.count("card-title") == 0


def test_issuer_filter_offers_only_issuers_with_published_credentials(client, catalogue):
    IssuerFactory(name="Empty Academy", slug="empty")
    text = client.get(URL).text
    assert '<option value="harbour">Harbour College</option>' in text
    assert '<option value="northfield">Northfield Institute</option>' in text
    assert "Empty Academy" not in text


def test_an_unknown_filter_value_is_reported_and_ignored(client, catalogue):
    response = client.get(URL, {"level": "wizard"})
    assert "Select a valid choice. wizard is not one of the available choices." in response.text
    assert len(card_titles(response.text)) == 3


def test_the_catalogue_is_paginated_and_keeps_the_filters(client, db):
    issuer = IssuerFactory(slug="big")
    for n in range(14):
        MicroCredentialFactory(issuer=issuer, title=f"Course {n:02d}", rubric=False)
    first = client.get(URL, {"issuer": "big"})
    assert card_titles(first.text) == [f"Course {n:02d}" for n in range(12)]
    assert "Page 1 of 2" in first.text
    assert 'href="?issuer=big&amp;page=2" rel="next"' in first.text
    second = client.get(URL, {"issuer": "big", "page": 2})
    assert card_titles(second.text) == ["Course 12", "Course 13"]


def test_an_empty_catalogue_says_so(client, db):
    assert "No micro-credentials are open yet." in client.get(URL).text


def make_published(n, skills):
    issuer = IssuerFactory()
    for _ in range(n):
        MicroCredentialFactory(issuer=issuer).skills.set(skills)


def test_catalogue_query_count_does_not_grow(client, skills, django_assert_num_queries):
    few = list(skills.values())
    make_published(3, few)
    # Issuers for the filter, the count, the page, the page's skills.
    with django_assert_num_queries(4):
        response = client.get(URL)
    assert len(card_titles(response.text)) == 3
    make_published(6, few)
    with django_assert_num_queries(4):
        response = client.get(URL, {"q": "data"})
    assert len(card_titles(response.text)) == 9


# --- The detail page -----------------------------------------------------------------


@pytest.fixture
def detailed(micro_credential, skills):
    micro_credential.summary = "Tell a clear story with data."
    micro_credential.description = "You will **present** findings."
    micro_credential.criteria = "- Build a narrative\n- Cite your sources"
    micro_credential.evidence_expected = "A *recorded* presentation."
    micro_credential.level = "intermediate"
    micro_credential.estimated_hours = 20
    micro_credential.save()
    micro_credential.skills.set([skills["charts"]])
    return micro_credential


DETAIL = "/credentials/data-storytelling/"


def test_detail_shows_the_definition_with_markdown_rendered(client, detailed):
    text = client.get(DETAIL).text
    assert "<h1>Data Storytelling</h1>" in text
    assert "<title>Data Storytelling · Unbundled</title>" in text
    assert (
        'Issued by <a href="https://northfield.example.org" rel="noopener">Northfield Institute</a>'
    ) in text
    assert '<p class="mc-summary">Tell a clear story with data.</p>' in text
    assert "You will <strong>present</strong> findings." in text
    assert "<li>Build a narrative</li>" in text
    assert "A <em>recorded</em> presentation." in text
    assert '<li class="chip">Charting</li>' in text
    assert "<dt>Level</dt><dd>Intermediate</dd>" in text
    assert "<dt>Notional workload</dt><dd>20 hours</dd>" in text
    assert "<dt>Valid for</dt><dd>24 months from issue</dd>" in text
    assert '<meta property="og:title" content="Data Storytelling — Northfield Institute">' in text


def test_detail_has_the_badge_as_open_graph_image(client, detailed):
    assert "og:image" not in client.get(DETAIL).text
    detailed.badge_image.save("badge.png", ContentFile(png_bytes((200, 200))))
    text = client.get(DETAIL).text
    url = detailed.badge_image.url
    assert f'<meta property="og:image" content="http://testserver{url}">' in text
    assert (
        f'<img class="badge-image badge-image-large" src="{url}" alt="Badge of Data Storytelling"'
        in text
    )


def test_detail_markdown_is_sanitised(client, detailed):
    detailed.description = "Before <script>alert(1)</script>[the link](javascript:alert(1)) after"
    detailed.save()
    response = client.get(DETAIL)
    text = response.text
    assert response.status_code == 200
    # The description is rendered, only its active parts are gone.
    assert '<p>Before <a rel="nofollow noopener noreferrer">the link</a> after</p>' in text
    assert "<script>alert" not in text
    assert "javascript:alert" not in text


def test_a_credential_without_validity_does_not_expire(client, detailed):
    detailed.validity_months = None
    detailed.save()
    assert "<dt>Valid for</dt><dd>Does not expire</dd>" in client.get(DETAIL).text


def rubric_rows(html):
    table = html[html.index('<table class="table rubric-table">') :]
    table = table[: table.index("</table>")]
    return table


def test_the_rubric_is_a_table_with_the_required_level_marked(client, detailed):
    text = client.get(DETAIL).text
    table = rubric_rows(text)
    headings = re.findall(r'<th scope="col">([^<]+)</th>', table)
    assert headings == ["Criterion", "Not yet", "Meets", "Exceeds"]
    assert re.findall(r'<span class="rubric-criterion">([^<]+)</span>', table) == [
        "Clarity",
        "Use of evidence",
    ]
    # One required cell per criterion, in the "Meets" column; each cell names its column,
    # which is all a phone shows once the rows become cards.
    assert table.count('class="rubric-required"') == 2
    for row in table.split("<tr>")[2:]:
        cells = re.findall(r"<td[^>]*>", row)
        assert cells == [
            '<td data-label="Not yet">',
            '<td data-label="Meets" class="rubric-required">',
            '<td data-label="Exceeds">',
        ]
    assert table.count('<span class="pill pill-required">Required</span>') == 2


def test_criteria_with_their_own_level_names_get_numbered_columns(client, detailed):
    odd = RubricCriterion.objects.create(
        micro_credential=detailed, position=3, title="Delivery", description="Speaking."
    )
    levels = [
        RubricLevel.objects.create(criterion=odd, position=1, name="Hesitant"),
        RubricLevel.objects.create(criterion=odd, position=2, name="Confident"),
    ]
    odd.required_level = levels[1]
    odd.save()
    table = rubric_rows(client.get(DETAIL).text)
    headings = re.findall(r'<th scope="col">([^<]+)</th>', table)
    assert headings == ["Criterion", "Level 1", "Level 2", "Level 3"]
    assert "<strong>Hesitant</strong>" in table
    assert "<strong>Exceeds</strong>" in table
    # Delivery has two levels: its third column is empty.
    assert (
        '<td class="rubric-empty" data-label="Level 3"><span class="visually-hidden">No level</span></td>'
        in table
    )


def test_criteria_without_levels_yet_have_no_level_columns_to_name(db):
    # An issuer may publish criteria before writing their levels: no headings are shared
    # then, and each row is its criterion alone.
    micro_credential = MicroCredentialFactory(rubric=False)
    for position, title in enumerate(["Clarity", "Delivery"], start=1):
        RubricCriterion.objects.create(
            micro_credential=micro_credential, position=position, title=title
        )
    rubric = get_catalogue_entry(slug=micro_credential.slug).rubric
    assert rubric.has_shared_levels is False
    assert rubric.headings == []
    assert [(row.criterion.title, row.cells) for row in rubric.rows] == [
        ("Clarity", []),
        ("Delivery", []),
    ]


def test_criteria_sharing_a_single_level_name_it_as_the_column(db):
    micro_credential = MicroCredentialFactory(rubric=False)
    for position, title in enumerate(["Clarity", "Delivery"], start=1):
        criterion = RubricCriterion.objects.create(
            micro_credential=micro_credential, position=position, title=title
        )
        RubricLevel.objects.create(criterion=criterion, position=1, name="Meets")
    rubric = get_catalogue_entry(slug=micro_credential.slug).rubric
    assert rubric.has_shared_levels is True
    assert rubric.headings == ["Meets"]


def test_a_draft_is_404_to_everyone(client, detailed, staff_of_issuer):
    detailed.status = "draft"
    detailed.save()
    assert client.get(DETAIL).status_code == 404
    client.force_login(staff_of_issuer)
    assert client.get(DETAIL).status_code == 404
    # Published, the same address is a page.
    detailed.status = "published"
    detailed.save()
    assert client.get(DETAIL).status_code == 200


def test_an_unknown_slug_is_404(client, db):
    assert client.get("/credentials/no-such-thing/").status_code == 404


APPLY_FORM = (
    '<form method="post" action="/credentials/data-storytelling/apply/" class="inline-form">'
)


def test_a_learner_gets_an_apply_button(client, detailed, learner):
    client.force_login(learner)
    text = client.get(DETAIL).text
    assert APPLY_FORM in text
    assert "Apply for this micro-credential</button>" in text


def test_anonymous_visitors_are_invited_to_log_in_to_apply(client, detailed):
    text = client.get(DETAIL).text
    assert APPLY_FORM not in text
    assert (
        '<a class="button" href="/accounts/login/?next=/credentials/data-storytelling/">'
        "Log in to apply</a>"
    ) in text


@pytest.mark.parametrize("role", ["assessor", "employer", "issuer_staff"])
def test_other_roles_get_no_apply_button(client, detailed, role):
    client.force_login(UserFactory(**{role: True}))
    response = client.get(DETAIL)
    text = response.text
    assert response.status_code == 200
    assert "<h1>Data Storytelling</h1>" in text
    assert APPLY_FORM not in text
    assert "Log in to apply" not in text


def test_a_holder_is_pointed_to_their_credential_instead(client, detailed, learner):
    credential = issue(learner, detailed)
    client.force_login(learner)
    text = client.get(DETAIL).text
    assert APPLY_FORM not in text
    assert (
        f'You hold this credential. <a href="/c/{credential.public_id}/">See your credential</a>'
    ) in text


def test_a_holder_whose_credential_was_revoked_may_apply_again(client, detailed, learner):
    revoke(issue(learner, detailed))
    client.force_login(learner)
    assert APPLY_FORM in client.get(DETAIL).text


def test_a_retired_micro_credential_says_so_and_takes_no_applications(client, detailed, learner):
    detailed.status = "retired"
    detailed.save()
    client.force_login(learner)
    text = client.get(DETAIL).text
    assert "<strong>Retired:</strong> no longer open for applications." in text
    assert APPLY_FORM not in text
    assert "<h1>Data Storytelling</h1>" in text


def holder(display_name, slug, *, public=True):
    user = UserFactory(with_profile=False)
    LearnerProfileFactory(user=user, display_name=display_name, slug=slug, is_public=public)
    return user


def holder_entries(html):
    section = html[html.index("Earned publicly by") :]
    return re.findall(
        r'<span class="holder-name">([^<]+)</span>(?: <span class="pill pill-(\w+)">)?', section
    )


def test_earned_publicly_by_lists_public_shown_holders_valid_first(client, detailed):
    issue(holder("Zoe Public", "zoe"), detailed)
    issue(holder("Adam Public", "adam"), detailed)
    issue(holder("Private Person", "private", public=False), detailed)
    hidden = issue(holder("Hidden Choice", "hidden"), detailed)
    hidden.is_shown_publicly = False
    hidden.save()
    revoke(issue(holder("Revoked Holder", "revoked"), detailed))
    issue(holder("Aaron Expired", "expired"), detailed, issued_at=THREE_YEARS_AGO)
    issue(holder("Other Credential", "other"), MicroCredentialFactory())

    text = client.get(DETAIL).text
    # An expired credential is listed as on its holder's public page, marked as expired.
    assert holder_entries(text) == [
        ("Adam Public", ""),
        ("Zoe Public", ""),
        ("Aaron Expired", "expired"),
    ]
    assert '<a href="/p/adam/">' in text
    assert '<span class="pill pill-expired">Expired</span></a>' in text


def test_a_holder_who_earned_it_again_is_listed_once_as_valid(client, detailed):
    again = holder("Sam Again", "sam")
    issue(again, detailed, issued_at=THREE_YEARS_AGO)
    issue(again, detailed)
    issue(holder("Ann Expired", "ann"), detailed, issued_at=THREE_YEARS_AGO)

    assert holder_entries(client.get(DETAIL).text) == [
        ("Sam Again", ""),
        ("Ann Expired", "expired"),
    ]


def test_a_full_list_of_holders_says_there_are_more(client, detailed):
    for n in range(HOLDERS_SHOWN + 1):
        issue(holder(f"Holder {n:02d}", f"holder-{n:02d}"), detailed)

    section = client.get(DETAIL).text.split("Earned publicly by", 1)[1]
    names = re.findall(r'<span class="holder-name">([^<]+)</span>', section)
    assert names == [f"Holder {n:02d}" for n in range(HOLDERS_SHOWN)]
    assert '<p class="small muted">And more.</p>' in section


def test_exactly_a_full_list_of_holders_has_no_more(client, detailed):
    for n in range(HOLDERS_SHOWN):
        issue(holder(f"Holder {n:02d}", f"holder-{n:02d}"), detailed)

    section = client.get(DETAIL).text.split("Earned publicly by", 1)[1]
    assert section.count('class="holder-name"') == HOLDERS_SHOWN
    assert "And more." not in section


def test_nobody_yet_says_so(client, detailed):
    assert "Nobody shows this credential on a public page yet." in client.get(DETAIL).text


def test_detail_query_count_does_not_grow(client, detailed, learner):
    for n in range(2):
        issue(holder(f"Holder {n}", f"holder-{n}"), detailed)
    client.force_login(learner)
    few, response = get_counting_queries(client, DETAIL)
    assert response.text.count('class="holder-name"') == 2

    for n in range(2, 6):
        issue(holder(f"Holder {n}", f"holder-{n}"), detailed)
    for position in range(3, 9):
        criterion = RubricCriterion.objects.create(
            micro_credential=detailed, position=position, title=f"C{position}", description="."
        )
        RubricLevel.objects.create(criterion=criterion, position=1, name="Not yet")
    many, response = get_counting_queries(client, DETAIL)
    assert response.text.count('class="holder-name"') == 6
    assert response.text.count('<span class="rubric-criterion">') == 8
    # The micro-credential, skills, criteria, levels, holders, the learner's own credential
    # and open application, plus what every signed-in page costs (session, user, header).
    assert many == few <= 10


def test_detail_query_count_for_visitors(client, detailed, django_assert_num_queries):
    issue(holder("Holder", "holder"), detailed)
    with django_assert_num_queries(5):
        client.get(DETAIL)


@pytest.mark.parametrize(
    ("title", "initials"),
    [
        ("Data Storytelling", "DS"),
        ("Introduction to Dashboards", "ID"),
        ("The Art of SQL Queries", "AS"),
        ("Python", "P"),
        ("& of the", "◆"),
    ],
)
def test_generated_badges_use_the_initials_of_significant_words(title, initials):
    from credentials.templatetags.credential_badges import badge_initials

    assert badge_initials(title) == initials
