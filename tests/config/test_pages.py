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


def test_pages_send_a_content_security_policy_without_inline_script(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
