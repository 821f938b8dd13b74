from tests.factories import EvidenceItemFactory


def test_home_page_invites_anonymous_visitors_to_sign_up(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Start your portfolio" in response.content


def test_home_sends_signed_in_users_to_their_dashboard(client, learner):
    client.force_login(learner)
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == "/dashboard/"


def test_dashboard_greets_learner_by_display_name(client, learner):
    client.force_login(learner)
    response = client.get("/dashboard/")
    assert f"Welcome, {learner.profile.display_name}" in response.text
    assert "Your evidence library is empty." in response.text


def test_learner_dashboard_counts_their_evidence_by_kind(client, learner, other_learner):
    EvidenceItemFactory(owner=learner, pdf=True)
    EvidenceItemFactory(owner=learner, pdf=True)
    EvidenceItemFactory(owner=learner, link=True)
    EvidenceItemFactory(owner=learner)
    EvidenceItemFactory(owner=learner)
    EvidenceItemFactory(owner=learner)
    EvidenceItemFactory(owner=other_learner, image=True)  # someone else's, not counted
    client.force_login(learner)
    page = client.get("/dashboard/").text
    assert "<dt>Files</dt><dd>2</dd>" in page
    assert "<dt>Images</dt><dd>0</dd>" in page
    assert "<dt>Links</dt><dd>1</dd>" in page
    assert "<dt>Reflections</dt><dd>3</dd>" in page


def test_pages_send_a_content_security_policy_without_inline_script(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_learner_dashboard_lists_credentials_and_open_applications(
    client, learner, assessor, django_capture_on_commit_callbacks
):
    from assessments.services.applying import start_application
    from credentials.services import issue_credential, revoke_credential
    from tests.factories import IssuerFactory, MicroCredentialFactory, UserFactory

    issuer = IssuerFactory()
    earned = MicroCredentialFactory(issuer=issuer, title="Spreadsheet Modelling")
    revoked = MicroCredentialFactory(issuer=issuer, title="Data Ethics")
    applied_for = MicroCredentialFactory(issuer=issuer, title="SQL Querying")
    staff = UserFactory(issuer_staff=True)
    issuer.staff.add(staff)
    for definition, reference in [(earned, "a"), (revoked, "b")]:
        issue_credential(
            by=staff,
            learner_id=learner.pk,
            micro_credential_id=definition.pk,
            award_reference=reference,
            assessor_id=assessor.pk,
            evidence=[],
            rubric_results=[],
        )
    revoke_credential(
        credential_id=learner.credentials_earned.get(micro_credential=revoked).pk,
        by=staff,
        reason="Error.",
    )
    start_application(by=learner, micro_credential_id=applied_for.pk)

    client.force_login(learner)
    page = client.get("/dashboard/").text
    assert (
        'Spreadsheet Modelling</a>\n                <span class="pill pill-valid">Valid</span>'
        in page
    )
    assert '<span class="pill pill-revoked">Revoked</span>' in page
    assert "SQL Querying</a>" in page
    assert "status-draft" in page


def test_assessor_dashboard_shows_the_queue(
    client, assessor, learner, django_capture_on_commit_callbacks
):
    from tests.factories import MicroCredentialFactory

    MicroCredentialFactory(title="Dashboard Design", assessors=[assessor])
    client.force_login(assessor)
    page = client.get("/dashboard/").text
    assert "<strong>0</strong> waiting" in page
    assert "Dashboard Design: 0" in page
    assert "Open the queue" in page


def test_favicon_ico_points_at_the_site_icon(client):
    # Browsers request /favicon.ico for documents that name no icon, such as an inline PDF.
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response.url == "/static/img/favicon.svg"
    assert client.get(response.url).status_code == 200


def test_add_evidence_on_the_dashboard_opens_the_kind_chooser(client, learner):
    client.force_login(learner)
    page = client.get("/dashboard/").text
    assert '<summary class="button">Add evidence</summary>' in page
    for kind, label in [
        ("file", "Upload a file"),
        ("image", "Upload an image"),
        ("link", "Add a link"),
        ("reflection", "Write a reflection"),
    ]:
        assert f'<li><a href="/evidence/new/{kind}/">{label}</a></li>' in page
    assert "/static/css/evidence.css" in page
