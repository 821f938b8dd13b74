import html
import re
import uuid
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile

from credentials.activity import describe_credentials
from credentials.models import IssuedCredential
from credentials.records import EvidenceRecord
from credentials.services import issue_credential
from portfolio.services.curation import curate_portfolio
from portfolio.services.profiles import update_profile
from tests.credentials.conftest import NOW, RUBRIC_RESULTS, issue, revoke, staff_member
from tests.factories import (
    EvidenceItemFactory,
    LearnerProfileFactory,
    MicroCredentialFactory,
    SkillFactory,
    UserFactory,
    png_bytes,
)


def url(credential):
    return f"/c/{credential.public_id}/"


@pytest.fixture
def holder(db):
    user = UserFactory(email="holder@example.com", with_profile=False)
    LearnerProfileFactory(user=user, display_name="Kim Holder", slug="kim", is_public=True)
    return user


@pytest.fixture
def credential(holder, micro_credential, assessor):
    assessor.first_name, assessor.last_name = "Ada", "Assessor"
    assessor.save()
    return issue(holder, micro_credential, assessor=assessor)


def test_a_valid_credential_says_so_with_its_facts(client, credential):
    text = client.get(url(credential)).text
    assert '<h1 class="credential-status-word">VALID</h1>' in text
    assert 'Valid until <time datetime="2028-03-01">1 March 2028</time>.' in text
    assert (
        '<h2 class="mc-title"><a href="/credentials/data-storytelling/">Data Storytelling</a></h2>'
        in text
    )
    assert 'Awarded to <a href="/p/kim/">Kim Holder</a>' in text
    assert '<dt>Issuer</dt><dd><a href="https://northfield.example.org"' in text
    assert '<dt>Issued</dt><dd><time datetime="2026-03-01">1 March 2026</time></dd>' in text
    assert '<dt>Expires</dt><dd><time datetime="2028-03-01">1 March 2028</time></dd>' in text
    assert f'<dd class="credential-id">{credential.public_id}</dd>' in text
    assert "<title>Data Storytelling — Kim Holder · Unbundled</title>" in text


def test_the_rubric_results_and_evidence_come_from_the_snapshots(client, credential):
    text = client.get(url(credential)).text
    rows = re.findall(
        r'<tr><th scope="row">([^<]+)</th><td data-label="Level reached">([^<]+)</td>'
        r'<td data-label="Level required">([^<]+)</td></tr>',
        text,
    )
    assert rows == [("Clarity", "Exceeds", "Meets"), ("Use of evidence", "Meets", "Meets")]
    cited = re.findall(r'<span class="cited-title">([^<]+)</span>', text)
    assert cited == ["Sales dashboard", "Write-up of the analysis"]
    assert '<span class="small muted">(Written reflection)</span>' in text


def test_the_snapshots_are_read_as_they_were_at_issue(client, credential):
    # Renaming the rubric afterwards does not rewrite what the credential was awarded on.
    credential.micro_credential.criteria_set.filter(title="Clarity").update(title="Renamed")
    assert '<th scope="row">Clarity</th>' in client.get(url(credential)).text


def test_what_stays_private_is_not_shown(client, credential, assessor):
    response = client.get(url(credential))
    text = response.text
    # The page itself, with what is public, is there: absence below means something.
    assert response.status_code == 200
    assert 'Awarded to <a href="/p/kim/">Kim Holder</a>' in text
    assert '<span class="cited-title">Sales dashboard</span>' in text
    assert "Ada" not in text
    assert "Assessor" not in text
    assert assessor.email not in text
    assert "holder@example.com" not in text
    # Assessor comments and evidence descriptions were for the learner, not the public.
    assert "Private note for the learner." not in text
    assert "Only for the assessor." not in text


def test_the_page_needs_no_login_and_has_open_graph_tags(client, credential):
    credential.micro_credential.badge_image.save("b.png", ContentFile(png_bytes((200, 200))))
    text = client.get(url(credential)).text
    page = f"http://testserver/c/{credential.public_id}/"
    assert f'<meta property="og:url" content="{page}">' in text
    assert '<meta property="og:title" content="Data Storytelling — Kim Holder">' in text
    assert (
        '<meta property="og:description" content="Issued by Northfield Institute on 1 March 2026.'
        ' Status: Valid.">'
    ) in text
    badge = credential.micro_credential.badge_image.url
    assert f'<meta property="og:image" content="http://testserver{badge}">' in text
    assert 'name="robots"' not in text


def test_an_expired_credential_says_when_it_expired(client, holder, micro_credential):
    credential = issue(holder, micro_credential, issued_at=NOW.replace(year=2023))
    text = client.get(url(credential)).text
    assert '<h1 class="credential-status-word">EXPIRED</h1>' in text
    assert 'Expired on <time datetime="2025-03-01">1 March 2025</time>.' in text
    assert "VALID" not in text


def test_a_revoked_credential_says_when_and_why(client, credential):
    revoke(credential, reason="Evidence was <b>plagiarised</b>.")
    text = client.get(url(credential)).text
    assert '<h1 class="credential-status-word">REVOKED</h1>' in text
    assert (
        'Revoked by Northfield Institute on <time datetime="2026-03-01">1 March 2026</time>.'
    ) in text
    assert (
        '<p class="credential-revocation-reason"><strong>Reason:</strong> '
        "Evidence was &lt;b&gt;plagiarised&lt;/b&gt;.</p>"
    ) in text
    assert "VALID" not in text


def test_a_private_holder_is_named_but_not_linked(client, credential, holder):
    holder.profile.is_public = False
    holder.profile.save()
    text = client.get(url(credential)).text
    assert "Awarded to <strong>Kim Holder</strong>" in text
    assert "/p/kim/" not in text
    assert '<meta name="robots" content="noindex">' in text


def test_a_credential_hidden_from_the_portfolio_still_has_its_page(client, credential):
    IssuedCredential.objects.filter(pk=credential.pk).update(is_shown_publicly=False)
    assert '<h1 class="credential-status-word">VALID</h1>' in client.get(url(credential)).text


def test_an_unknown_credential_is_404(client, db):
    assert client.get(f"/c/{uuid.uuid4()}/").status_code == 404


def test_the_holder_sees_a_link_to_their_credentials(client, credential, holder):
    client.force_login(holder)
    text = client.get(url(credential)).text
    assert "This is your credential, as anyone with its link sees it." in text
    assert "Revoke this credential" not in text


def test_staff_of_the_issuer_see_a_revoke_link(client, credential, staff_of_issuer):
    client.force_login(staff_of_issuer)
    text = client.get(url(credential)).text
    assert f'<a href="/c/{credential.public_id}/revoke/">Revoke this credential</a>' in text


def test_staff_of_another_issuer_see_no_revoke_link(client, credential):
    client.force_login(UserFactory(issuer_staff=True))
    response = client.get(url(credential))
    assert response.status_code == 200
    assert 'Awarded to <a href="/p/kim/">Kim Holder</a>' in response.text
    assert "Revoke this credential" not in response.text


def test_a_credential_of_a_retired_micro_credential_stays_valid(client, credential):
    credential.micro_credential.status = "retired"
    credential.micro_credential.save()
    text = client.get(url(credential)).text
    assert '<h1 class="credential-status-word">VALID</h1>' in text


def test_an_expired_credential_looks_expired_on_its_own_page(client, credential, time_machine):
    valid = client.get(url(credential)).text
    assert '<header class="mc-hero credential-hero credential-hero-valid">' in valid

    time_machine.move_to(NOW.replace(year=2029), tick=False)
    text = client.get(url(credential)).text
    assert "EXPIRED" in text
    # The class greys the badge out, as on the holder's public page (css/credentials.css).
    assert '<header class="mc-hero credential-hero credential-hero-expired">' in text


def test_a_revoked_credentials_badge_image_says_so_in_its_text(client, credential):
    credential.micro_credential.badge_image.save("badge.png", ContentFile(png_bytes((256, 256))))
    revoke(credential)
    text = client.get(url(credential)).text
    assert '<header class="mc-hero credential-hero credential-hero-revoked">' in text
    assert 'alt="Badge of Data Storytelling (revoked)"' in text


def test_a_credential_from_a_retired_micro_credential_says_so(
    client, credential, django_capture_on_commit_callbacks
):
    valid = client.get(url(credential)).text
    assert "Awarded to" in valid
    assert "Retired micro-credential" not in valid

    # As the admin saves it; the cached page goes stale once that commits.
    with django_capture_on_commit_callbacks(execute=True):
        credential.micro_credential.status = "retired"
        credential.micro_credential.save()
    text = client.get(url(credential)).text
    assert (
        "<strong>Retired micro-credential:</strong> Northfield Institute no longer awards "
        "Data Storytelling. This credential was issued before that and keeps the status shown "
        "above."
    ) in text
    assert "VALID" in text


# --- What was certified -------------------------------------------------------------------


def elements(text):
    found = re.search(r'<dl class="meta mc-elements">(.*?)</dl>', text, re.DOTALL)
    assert found is not None
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", found.group(1), re.DOTALL)
    return {term: html.unescape(re.sub(r"<[^>]+>", "", value)) for term, value in pairs}


def test_the_page_says_what_was_certified(client, credential, micro_credential):
    micro_credential.description = "Learners turn *analysis* into a narrative."
    micro_credential.criteria = "1. Present a **story** to non-specialists."
    micro_credential.learning_outcomes = "- Choose the chart that answers the question."
    micro_credential.prerequisites = "Some spreadsheet work."
    micro_credential.level = "advanced"
    micro_credential.estimated_hours = 40
    micro_credential.ects_credits = Decimal("1.5")
    micro_credential.eqf_level = 6
    micro_credential.assessment_type = "application"
    micro_credential.participation = "blended"
    micro_credential.save()
    micro_credential.skills.set(
        [SkillFactory(name="Storytelling"), SkillFactory(name="Data visualisation")]
    )
    micro_credential.issuer.country = "Ireland"
    micro_credential.issuer.save()

    text = client.get(url(credential)).text
    assert '<h2 id="certified-heading">What was certified</h2>' in text
    assert "<p>Learners turn <em>analysis</em> into a narrative.</p>" in text
    assert "<li>Present a <strong>story</strong> to non-specialists.</li>" in text
    assert "<li>Choose the chart that answers the question.</li>" in text
    assert "<p>Some spreadsheet work.</p>" in text
    skills = re.search(r'<h2 id="skills-heading">Skills</h2>\s*<ul class="chips">(.*?)</ul>', text)
    assert skills is not None
    assert re.findall(r'<li class="chip">([^<]+)</li>', skills.group(1)) == [
        "Data visualisation",
        "Storytelling",
    ]
    assert elements(text) == {
        "Awarding body": "Northfield Institute",
        "Country or region": "Ireland",
        "Level": "Advanced",
        "EQF level": "6",
        "Notional workload": "40 hours (1.5 ECTS credits)",
        "Type of assessment": "Application of a skill (practical demonstration)",
        "Form of participation": "Blended (online and on site)",
        "Quality assurance": "Reviewed yearly by the institute's assessment board.",
        "Stacking": "Stands alone",
    }


def test_the_page_says_when_it_was_checked(client, credential, time_machine):
    text = client.get(url(credential)).text
    assert (
        '<p class="credential-checked small">Checked just now: '
        '<time datetime="2026-03-01T12:00:00+00:00">1 March 2026, 12:00 UTC</time>.</p>'
    ) in text
    time_machine.move_to(NOW.replace(hour=15, minute=30), tick=False)
    assert '<time datetime="2026-03-01T15:30:00+00:00">1 March 2026, 15:30 UTC</time>' in (
        client.get(url(credential)).text
    )


# --- The evidence it was awarded on, linked where the learner shows it --------------------


@pytest.fixture
def shown_and_private_items(holder):
    shown = EvidenceItemFactory(owner=holder, title="Dashboard (library copy)", public=True)
    private = EvidenceItemFactory(owner=holder, title="Notes (library copy)", is_public=False)
    return shown, private


def issue_citing(holder, micro_credential, items):
    return issue_credential(
        by=staff_member(micro_credential.issuer),
        learner_id=holder.pk,
        micro_credential_id=micro_credential.pk,
        award_reference=f"test:cited-{uuid.uuid4()}",
        assessor_id=None,
        evidence=[
            EvidenceRecord(
                submitted_evidence_id=n,
                title=f"Cited {n}",
                kind="file",
                description="",
                url="",
                library_item_id=item.pk if item is not None else None,
            )
            for n, item in enumerate(items, start=1)
        ],
        rubric_results=RUBRIC_RESULTS,
    )


def cited(text):
    return re.findall(
        r'<li>(?:<a class="cited-title" href="([^"]+)">|<span class="cited-title">)([^<]+)<', text
    )


def test_evidence_the_learner_shows_publicly_is_linked_to_their_page(
    client, holder, micro_credential, shown_and_private_items
):
    shown, private = shown_and_private_items
    credential = issue_citing(holder, micro_credential, [shown, private, None])
    text = client.get(url(credential)).text
    assert cited(text) == [
        (f"/p/kim/#evidence-{shown.pk}", "Cited 1"),
        ("", "Cited 2"),
        ("", "Cited 3"),
    ]
    # The link lands on the item as the public page shows it.
    assert f'id="evidence-{shown.pk}"' in client.get("/p/kim/").text


def test_hiding_the_item_or_the_profile_removes_the_link_but_not_the_title(
    client, holder, micro_credential, shown_and_private_items, django_capture_on_commit_callbacks
):
    shown, _ = shown_and_private_items
    credential = issue_citing(holder, micro_credential, [shown])
    assert cited(client.get(url(credential)).text) == [(f"/p/kim/#evidence-{shown.pk}", "Cited 1")]

    # Through the service, whose event makes the cached page stale once it commits.
    with django_capture_on_commit_callbacks(execute=True):
        curate_portfolio(by=holder, public_item_ids_in_order=[])
    assert cited(client.get(url(credential)).text) == [("", "Cited 1")]

    with django_capture_on_commit_callbacks(execute=True):
        curate_portfolio(by=holder, public_item_ids_in_order=[shown.pk])
    assert cited(client.get(url(credential)).text) == [(f"/p/kim/#evidence-{shown.pk}", "Cited 1")]
    with django_capture_on_commit_callbacks(execute=True):
        update_profile(
            profile_id=holder.profile.pk,
            by=holder,
            display_name="Kim Holder",
            slug="kim",
            is_public=False,
        )
    text = client.get(url(credential)).text
    assert cited(text) == [("", "Cited 1")]
    assert "/p/kim/" not in text


def test_an_item_of_someone_else_is_never_linked(client, holder, micro_credential):
    stranger = UserFactory(with_profile=False)
    LearnerProfileFactory(user=stranger, slug="stranger", is_public=True)
    theirs = EvidenceItemFactory(owner=stranger, public=True)
    credential = issue_citing(holder, micro_credential, [theirs])
    assert cited(client.get(url(credential)).text) == [("", "Cited 1")]


# --- For the holder: copy link and LinkedIn ---------------------------------------------------


def test_the_holder_can_copy_the_link_and_add_it_to_linkedin(client, credential, holder):
    client.force_login(holder)
    text = client.get(url(credential)).text
    page_url = f"http://testserver/c/{credential.public_id}/"
    assert (
        '<button type="button" class="button button-secondary button-small" '
        f'data-copy-url="{page_url}" hidden>Copy link</button>'
    ) in text
    assert '<script src="/static/js/copy-link.js" defer></script>' in text
    linkedin = re.search(
        r'<a class="button[^"]*" href="([^"]+)" rel="noopener">Add to LinkedIn', text
    )
    assert linkedin is not None
    parts = urlsplit(html.unescape(linkedin.group(1)))
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.linkedin.com", "/profile/add")
    assert parse_qs(parts.query) == {
        "startTask": ["CERTIFICATION_NAME"],
        "name": ["Data Storytelling"],
        "organizationName": ["Northfield Institute"],
        "issueYear": ["2026"],
        "issueMonth": ["3"],
        "expirationYear": ["2028"],
        "expirationMonth": ["3"],
        "certUrl": [page_url],
        "certId": [str(credential.public_id)],
    }


def test_a_credential_that_never_expires_sends_linkedin_no_expiry(client, holder):
    forever = MicroCredentialFactory(validity_months=None)
    credential = issue(holder, forever)
    client.force_login(holder)
    text = html.unescape(client.get(url(credential)).text)
    assert "startTask=CERTIFICATION_NAME" in text
    assert "expirationYear" not in text


def test_visitors_get_neither_share_control(client, credential, staff_of_issuer):
    text = client.get(url(credential)).text
    assert 'Awarded to <a href="/p/kim/">Kim Holder</a>' in text
    assert "data-copy-url" not in text
    assert "linkedin.com" not in text
    assert "copy-link" not in text
    client.force_login(staff_of_issuer)
    staff_view = client.get(url(credential)).text
    assert "Revoke this credential" in staff_view
    assert "linkedin.com" not in staff_view


def test_a_revoked_credential_is_not_offered_to_linkedin(client, credential, holder):
    revoke(credential)
    client.force_login(holder)
    text = client.get(url(credential)).text
    assert "REVOKED" in text
    assert "data-copy-url" in text
    assert "linkedin.com" not in text


# --- Paper ---------------------------------------------------------------------------------


def test_the_page_carries_its_address_and_a_qr_code_for_print(client, credential):
    text = client.get(url(credential)).text
    page_url = f"http://testserver/c/{credential.public_id}/"
    section = re.search(
        r'<section class="print-only credential-print-check"[^>]*>(.*?)</section>', text, re.DOTALL
    )
    assert section is not None
    assert f'<span class="credential-print-url">{page_url}</span>' in section.group(1)
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in section.group(1)
    assert 'class="qr-code"' in section.group(1)
    assert '<link rel="stylesheet" href="/static/css/print.css">' in text


# --- Queries ---------------------------------------------------------------------------------


def make_rich_credential(holder, n):
    """A credential with n skills, n rubric criteria and n cited items, each of them shown."""
    micro_credential = MicroCredentialFactory(rubric=[f"Criterion {i}" for i in range(n)])
    micro_credential.skills.set(SkillFactory.create_batch(n))
    items = EvidenceItemFactory.create_batch(n, owner=holder, public=True)
    credential = issue_citing(holder, micro_credential, items)
    IssuedCredential.objects.filter(pk=credential.pk).update(
        rubric_results=[
            {
                "criterion": f"Criterion {i}",
                "level": "Meets",
                "required_level": "Meets",
                "comment": "",
            }
            for i in range(n)
        ]
    )
    return credential


@pytest.mark.parametrize("n", [1, 3, 9])
def test_the_page_costs_three_queries_then_none_however_much_it_shows(
    client, holder, n, django_assert_num_queries
):
    credential = make_rich_credential(holder, n)
    # The credential (may it be seen, and its status), its skills, the cited items.
    with django_assert_num_queries(3):
        text = client.get(url(credential)).text
    # Cached for visitors: nothing read until something it shows changes.
    with django_assert_num_queries(0):
        assert client.get(url(credential)).text == text
    assert len(cited(text)) == n
    assert all(link for link, _ in cited(text))
    assert text.count('<li class="chip">') == n
    assert text.count('<td data-label="Level reached">Meets</td>') == n


def test_the_activity_log_links_a_credential_only_for_a_reader_who_may_open_it(
    micro_credential,
):
    shown = issue(UserFactory(), micro_credential)
    hidden = issue(UserFactory(), micro_credential)
    hidden.learner.is_active = False  # a deactivated holder's credential page is a 404
    hidden.learner.save()
    reader = UserFactory()

    links = describe_credentials(reader, [shown.pk, hidden.pk])

    assert links[shown.pk].name == links[hidden.pk].name == "Data Storytelling"
    assert links[shown.pk].url == f"/c/{shown.public_id}/"
    assert links[hidden.pk].url == ""
