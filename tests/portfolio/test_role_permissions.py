from pathlib import Path

import pytest
from django.contrib.auth.models import Permission

from portfolio import permissions
from portfolio.permissions import role_admin_permissions
from tests.factories import IssuerFactory, MicroCredentialFactory, SkillFactory, UserFactory


@pytest.fixture
def staff_of_issuer(db):
    """Issuer staff as the admin would make them: staff flag, no superuser, no groups."""
    user = UserFactory(email="staff@institute.example.org", issuer_staff=True)
    issuer = IssuerFactory(name="Own Institute")
    issuer.staff.add(user)
    return user, issuer


def test_issuer_staff_manage_their_own_micro_credentials_in_the_admin(client, staff_of_issuer):
    user, issuer = staff_of_issuer
    MicroCredentialFactory(issuer=issuer, title="Own Credential")
    MicroCredentialFactory(issuer=IssuerFactory(name="Other Institute"), title="Other Credential")
    client.force_login(user)

    changelist = client.get("/admin/credentials/microcredential/")
    assert changelist.status_code == 200
    assert "Own Credential" in changelist.text
    assert "Other Credential" not in changelist.text
    assert client.get("/admin/credentials/microcredential/add/").status_code == 200


def test_issuer_staff_read_the_skills_catalogue(client, staff_of_issuer):
    SkillFactory(name="Data cleaning")
    client.force_login(staff_of_issuer[0])
    response = client.get("/admin/portfolio/skill/")
    assert response.status_code == 200
    assert "Data cleaning" in response.text
    # Read-only: site administrators own the shared catalogue (test_skills_catalogue_admin).
    assert "/admin/portfolio/skill/add/" not in response.text


def test_issuer_staff_cannot_manage_users(client, staff_of_issuer):
    client.force_login(staff_of_issuer[0])
    assert client.get("/admin/portfolio/user/").status_code == 403
    # Signed in to the admin all the same: only this part is closed to them.
    assert client.get("/admin/").status_code == 200


def test_other_roles_get_no_admin_permissions_even_with_the_staff_flag(client, db):
    assessor = UserFactory(assessor=True, is_staff=True)
    client.force_login(assessor)
    assert client.get("/admin/credentials/microcredential/").status_code == 403
    assert role_admin_permissions(assessor) == frozenset()


def test_inactive_issuer_staff_hold_no_role_permissions(staff_of_issuer):
    user = staff_of_issuer[0]
    user.is_active = False
    assert role_admin_permissions(user) == frozenset()
    assert not user.has_perm("credentials.change_microcredential")


def test_issuer_staff_hold_exactly_the_permissions_the_apps_grant(staff_of_issuer):
    # portfolio grants its own; credentials grants the rest from its ready().
    assert role_admin_permissions(staff_of_issuer[0]) == {
        "portfolio.view_skillframework",
        "portfolio.view_skill",
        "credentials.view_issuer",
        "credentials.change_issuer",
        "credentials.view_microcredential",
        "credentials.add_microcredential",
        "credentials.change_microcredential",
        "credentials.view_rubriccriterion",
        "credentials.add_rubriccriterion",
        "credentials.change_rubriccriterion",
        "credentials.delete_rubriccriterion",
        "credentials.view_rubriclevel",
        "credentials.add_rubriclevel",
        "credentials.change_rubriclevel",
        "credentials.delete_rubriclevel",
        "credentials.view_issuedcredential",
        "credentials.view_issuerinvitation",
        "credentials.add_issuerinvitation",
        "credentials.delete_issuerinvitation",
    }


def test_the_ground_floor_names_no_upper_app_permission():
    source = (Path(permissions.__file__)).read_text()
    assert "credentials." not in source
    assert "assessments." not in source
    assert "portfolio.view_skill" in source


@pytest.mark.parametrize(
    ("rule", "codename"),
    [
        (permissions.can_manage_accounts, "change_user"),
        (permissions.can_unpublish_evidence, "change_evidenceitem"),
    ],
)
def test_a_granted_permission_is_enough_without_being_a_superuser(db, rule, codename):
    # A site may hand one administrator's task to a staff member through a group or a grant.
    granted = UserFactory(email="granted@example.org", is_staff=True)
    granted.user_permissions.add(Permission.objects.get(codename=codename))
    plain_staff = UserFactory(email="plain@example.org", is_staff=True)
    superuser = UserFactory(email="root@example.org", is_staff=True, is_superuser=True)

    assert rule(granted) is True
    assert rule(superuser) is True
    assert rule(plain_staff) is False
