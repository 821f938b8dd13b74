"""The skills catalogue is shared by every issuer, so only site administrators edit it:
issuer B's staff cannot rename a skill that issuer A's micro-credential shows."""

import pytest
from django.contrib.auth.models import Permission

from portfolio.models import Skill, SkillFramework
from portfolio.permissions import can_edit_skills_catalogue
from tests.factories import (
    IssuerFactory,
    MicroCredentialFactory,
    SkillFactory,
    SkillFrameworkFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def framework():
    return SkillFrameworkFactory(name="Digital and Data Skills", slug="dds")


@pytest.fixture
def skill_of_issuer_a(framework):
    skill = SkillFactory(framework=framework, name="Data cleaning", slug="data-cleaning")
    MicroCredentialFactory(issuer=IssuerFactory(name="Issuer A")).skills.add(skill)
    return skill


@pytest.fixture
def staff_of_issuer_b():
    user = UserFactory(email="staff@issuer-b.example.org", issuer_staff=True, is_staff=True)
    IssuerFactory(name="Issuer B").staff.add(user)
    return user


@pytest.fixture
def site_admin():
    return UserFactory(email="admin@example.org", issuer_staff=True, is_superuser=True)


def skill_form(skill, **changes):
    return {
        "framework": skill.framework_id,
        "name": skill.name,
        "slug": skill.slug,
        "description": skill.description,
        "code": skill.code,
        "uri": skill.uri,
        **changes,
    }


def test_other_issuers_staff_cannot_rename_a_shared_skill(
    client, staff_of_issuer_b, skill_of_issuer_a
):
    client.force_login(staff_of_issuer_b)
    url = f"/admin/portfolio/skill/{skill_of_issuer_a.pk}/change/"

    page = client.get(url)
    assert page.status_code == 200
    assert "Data cleaning" in page.text
    assert 'name="_save"' not in page.text
    response = client.post(url, skill_form(skill_of_issuer_a, name="Data dredging"))

    assert response.status_code == 403
    skill_of_issuer_a.refresh_from_db()
    assert skill_of_issuer_a.name == "Data cleaning"


def test_issuer_staff_cannot_add_or_delete_skills_or_frameworks(
    client, staff_of_issuer_b, skill_of_issuer_a, framework
):
    client.force_login(staff_of_issuer_b)

    assert client.get("/admin/portfolio/skill/add/").status_code == 403
    assert client.get("/admin/portfolio/skillframework/add/").status_code == 403
    response = client.post(
        "/admin/portfolio/skillframework/add/", {"name": "Mine now", "slug": "mine-now"}
    )
    assert response.status_code == 403
    assert client.post(f"/admin/portfolio/skill/{skill_of_issuer_a.pk}/delete/").status_code == 403
    framework_url = f"/admin/portfolio/skillframework/{framework.pk}/change/"
    assert client.post(framework_url, {"name": "Renamed", "slug": "dds"}).status_code == 403
    assert list(SkillFramework.objects.values_list("name", flat=True)) == [
        "Digital and Data Skills"
    ]
    assert Skill.objects.get().name == "Data cleaning"


def test_a_hand_granted_model_permission_does_not_open_the_catalogue(
    client, staff_of_issuer_b, skill_of_issuer_a
):
    staff_of_issuer_b.user_permissions.add(
        Permission.objects.get(codename="change_skill", content_type__app_label="portfolio")
    )
    client.force_login(staff_of_issuer_b)

    response = client.post(
        f"/admin/portfolio/skill/{skill_of_issuer_a.pk}/change/",
        skill_form(skill_of_issuer_a, name="Data dredging"),
    )

    assert response.status_code == 403
    skill_of_issuer_a.refresh_from_db()
    assert skill_of_issuer_a.name == "Data cleaning"


def test_site_administrators_rename_skills(client, site_admin, skill_of_issuer_a):
    client.force_login(site_admin)

    response = client.post(
        f"/admin/portfolio/skill/{skill_of_issuer_a.pk}/change/",
        skill_form(skill_of_issuer_a, name="Data cleansing"),
    )

    assert response.status_code == 302
    skill_of_issuer_a.refresh_from_db()
    assert skill_of_issuer_a.name == "Data cleansing"


@pytest.mark.parametrize(
    ("who", "may_edit"),
    [
        ("site_admin", True),
        ("inactive_site_admin", False),
        ("issuer_staff", False),
        ("assessor", False),
        ("learner", False),
        ("employer", False),
    ],
)
def test_who_may_edit_the_catalogue(who, may_edit):
    user = {
        "site_admin": lambda: UserFactory(issuer_staff=True, is_superuser=True),
        "inactive_site_admin": lambda: UserFactory(is_superuser=True, is_active=False),
        "issuer_staff": lambda: UserFactory(issuer_staff=True, is_staff=True),
        "assessor": lambda: UserFactory(assessor=True),
        "learner": lambda: UserFactory(),
        "employer": lambda: UserFactory(employer=True),
    }[who]()
    assert can_edit_skills_catalogue(user) is may_edit
