import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portfolio.models import Event, EvidenceItem, LearnerProfile, User
from tests.factories import (
    EvidenceItemFactory,
    SkillFactory,
    SkillFrameworkFactory,
    UserFactory,
)


@pytest.fixture
def staff_client(client, db):
    # The demo issuer: issuer staff with every admin permission.
    issuer = UserFactory(email="issuer@example.com", issuer_staff=True, is_superuser=True)
    client.force_login(issuer)
    return client


# Each maker adds n rows and returns what the changelist must show for them.
def make_users(n):
    return [UserFactory().email for _ in range(n)]


def make_profiles(n):
    return [UserFactory().profile.display_name for _ in range(n)]


def make_frameworks(n):
    return [SkillFactory(framework=SkillFrameworkFactory()).framework.name for _ in range(n)]


def make_skills(n):
    framework = SkillFrameworkFactory(name="Digital and Data Skills", slug="dds")
    return [SkillFactory(framework=framework).name for _ in range(n)]


def make_evidence(n):
    return [EvidenceItemFactory(owner=UserFactory()).owner.email for _ in range(n)]


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response


@pytest.mark.parametrize(
    ("url", "make_rows"),
    [
        ("/admin/portfolio/user/", make_users),
        ("/admin/portfolio/learnerprofile/", make_profiles),
        ("/admin/portfolio/skillframework/", make_frameworks),
        ("/admin/portfolio/skill/", make_skills),
        ("/admin/portfolio/evidenceitem/", make_evidence),
    ],
)
def test_changelists_cost_the_same_queries_for_few_or_many_rows(staff_client, url, make_rows):
    shown = make_rows(3)
    few, _response = queries_for(staff_client, url)
    shown += make_rows(6)
    many, response = queries_for(staff_client, url)

    assert many == few
    assert many <= 8
    for text in shown:
        assert text in response.text


def test_user_changelist_filters_by_role(staff_client):
    UserFactory(email="assessor@example.com", assessor=True)
    UserFactory(email="someone@example.com")

    response = staff_client.get("/admin/portfolio/user/?role__exact=assessor")

    assert '<th class="field-email"><a href=' in response.text
    assert "assessor@example.com" in response.text
    assert '<td class="field-role">Assessor</td>' in response.text
    assert "someone@example.com" not in response.text


def test_user_search_finds_by_email(staff_client):
    UserFactory(email="amara@example.com")
    UserFactory(email="someone@example.com")

    response = staff_client.get("/admin/portfolio/user/?q=amara")

    assert "amara@example.com" in response.text
    assert "someone@example.com" not in response.text


def test_user_add_form_asks_for_email_role_and_password(staff_client):
    response = staff_client.get("/admin/portfolio/user/add/")

    assert 'name="email"' in response.text
    assert 'name="role"' in response.text
    assert 'name="password1"' in response.text
    assert 'name="username"' not in response.text


def test_adding_a_learner_in_the_admin_gives_them_a_private_profile(staff_client):
    response = staff_client.post(
        "/admin/portfolio/user/add/",
        {
            "email": "new.learner@example.com",
            "role": "learner",
            "usable_password": "true",
            "password1": "a-long-demo-passphrase",
            "password2": "a-long-demo-passphrase",
        },
    )

    user = User.objects.get(email="new.learner@example.com")
    assert response.status_code == 302
    assert user.check_password("a-long-demo-passphrase")
    assert user.role == User.Role.LEARNER
    profile = LearnerProfile.objects.get(user=user)
    assert profile.is_public is False


def test_adding_an_assessor_in_the_admin_makes_no_profile(staff_client):
    staff_client.post(
        "/admin/portfolio/user/add/",
        {
            "email": "new.assessor@example.com",
            "role": "assessor",
            "usable_password": "true",
            "password1": "a-long-demo-passphrase",
            "password2": "a-long-demo-passphrase",
        },
    )

    user = User.objects.get(email="new.assessor@example.com")
    assert user.role == User.Role.ASSESSOR
    assert not LearnerProfile.objects.filter(user=user).exists()


def test_user_change_form_offers_the_roles(staff_client):
    user = UserFactory(email="learner@example.com")

    response = staff_client.get(f"/admin/portfolio/user/{user.pk}/change/")

    assert 'name="role"' in response.text
    assert '<option value="issuer_staff">Issuer staff</option>' in response.text
    assert 'value="learner@example.com"' in response.text


def test_framework_changelist_links_to_its_skills(staff_client):
    framework = SkillFrameworkFactory(name="Digital and Data Skills", slug="dds")
    for _ in range(3):
        SkillFactory(framework=framework)

    response = staff_client.get("/admin/portfolio/skillframework/")

    assert (
        f'<a href="/admin/portfolio/skill/?framework__id__exact={framework.pk}">3 skills</a>'
        in response.text
    )


def test_skill_changelist_filters_by_framework_and_searches_by_code(staff_client):
    dds = SkillFrameworkFactory(name="Digital and Data Skills", slug="dds")
    green = SkillFrameworkFactory(name="Green Skills", slug="green")
    SkillFactory(framework=dds, name="Data cleaning", code="DDS-001")
    SkillFactory(framework=green, name="Carbon accounting", code="GRN-001")

    filtered = staff_client.get(f"/admin/portfolio/skill/?framework__id__exact={dds.pk}")
    searched = staff_client.get("/admin/portfolio/skill/?q=GRN-001")

    assert "Data cleaning" in filtered.text
    assert "Carbon accounting" not in filtered.text
    assert "Carbon accounting" in searched.text
    assert "Data cleaning" not in searched.text


def test_profile_changelist_searches_by_owner_email(staff_client):
    UserFactory(email="amara@example.com")
    UserFactory(email="someone@example.com")

    response = staff_client.get("/admin/portfolio/learnerprofile/?q=amara@example")

    assert response.text.count("amara@example.com") >= 1
    assert "someone@example.com" not in response.text


def test_evidence_admin_lets_staff_only_unpublish(staff_client):
    item = EvidenceItemFactory(public=True, title="Monthly loans chart")

    page = staff_client.get(f"/admin/portfolio/evidenceitem/{item.pk}/change/")
    response = staff_client.post(
        f"/admin/portfolio/evidenceitem/{item.pk}/change/",
        {"is_public": "", "title": "Renamed by staff"},
    )

    assert 'name="is_public"' in page.text
    assert 'name="title"' not in page.text
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.is_public is False
    assert item.title == "Monthly loans chart"
    # Through the service: one event, about the item, for its owner to read.
    [event] = Event.objects.all()
    assert (event.verb, event.actor.email, event.owner, event.target_id) == (
        "evidence.unpublished",
        "issuer@example.com",
        item.owner,
        item.pk,
    )
    assert event.payload == {"title": "Monthly loans chart"}


def test_evidence_admin_cannot_make_a_private_item_public(staff_client):
    item = EvidenceItemFactory(title="Draft notes")

    page = staff_client.get(f"/admin/portfolio/evidenceitem/{item.pk}/change/")
    response = staff_client.post(
        f"/admin/portfolio/evidenceitem/{item.pk}/change/", {"is_public": "on"}
    )

    assert "Draft notes" in page.text
    assert 'name="is_public"' not in page.text
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.is_public is False
    assert not Event.objects.exists()


def test_saving_a_public_item_unchanged_in_the_admin_records_nothing(staff_client):
    item = EvidenceItemFactory(public=True, title="Monthly loans chart")

    response = staff_client.post(
        f"/admin/portfolio/evidenceitem/{item.pk}/change/", {"is_public": "on"}
    )

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.is_public is True
    assert not Event.objects.exists()


def test_evidence_admin_shows_a_file_as_text_never_as_a_link(staff_client):
    item = EvidenceItemFactory(pdf=True, title="Data quality report", file_size=2048)

    response = staff_client.get(f"/admin/portfolio/evidenceitem/{item.pk}/change/")

    assert "report.pdf (application/pdf, 2.0\xa0KB)" in response.text
    assert item.file.name not in response.text


def test_evidence_cannot_be_added_or_deleted_in_the_admin(staff_client):
    item = EvidenceItemFactory()

    assert staff_client.get("/admin/portfolio/evidenceitem/add/").status_code == 403
    assert staff_client.get(f"/admin/portfolio/evidenceitem/{item.pk}/delete/").status_code == 403
    assert EvidenceItem.objects.filter(pk=item.pk).exists()


def test_admin_refuses_an_email_that_differs_only_in_case(staff_client):
    UserFactory(email="amara@example.com")

    response = staff_client.post(
        "/admin/portfolio/user/add/",
        {
            "email": "Amara@Example.com",
            "role": "learner",
            "usable_password": "true",
            "password1": "a-long-demo-passphrase",
            "password2": "a-long-demo-passphrase",
        },
    )

    assert response.status_code == 200
    assert "A user with this e-mail address already exists." in response.text
    assert User.objects.filter(email__iexact="amara@example.com").count() == 1


def test_admin_stores_new_addresses_in_lower_case(staff_client):
    staff_client.post(
        "/admin/portfolio/user/add/",
        {
            "email": "New.Assessor@Example.com",
            "role": "assessor",
            "usable_password": "true",
            "password1": "a-long-demo-passphrase",
            "password2": "a-long-demo-passphrase",
        },
    )

    assert User.objects.filter(email="new.assessor@example.com").exists()
