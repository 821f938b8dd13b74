import re
import uuid

import pytest
from django.core.files.base import ContentFile

from credentials.models import IssuedCredential
from tests.credentials.conftest import NOW, issue, revoke
from tests.factories import LearnerProfileFactory, UserFactory, png_bytes


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


def test_the_page_costs_one_query(client, credential, django_assert_num_queries):
    with django_assert_num_queries(1):
        client.get(url(credential))


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


def test_a_credential_from_a_retired_micro_credential_says_so(client, credential):
    valid = client.get(url(credential)).text
    assert "Awarded to" in valid
    assert "Retired micro-credential" not in valid

    credential.micro_credential.status = "retired"
    credential.micro_credential.save()
    text = client.get(url(credential)).text
    assert (
        "<strong>Retired micro-credential:</strong> Northfield Institute no longer awards "
        "Data Storytelling. This credential was issued before that and keeps the status shown "
        "above."
    ) in text
    assert "VALID" in text
