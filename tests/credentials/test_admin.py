import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict

from credentials.directory.documents import rebuild_directory
from credentials.models import IssuedCredential, MicroCredential, RubricLevel
from portfolio.models import Event
from tests.credentials.conftest import NOW, get_counting_queries, issue, revoke
from tests.factories import (
    IssuerFactory,
    LearnerProfileFactory,
    MicroCredentialFactory,
    SkillFactory,
    UserFactory,
    png_bytes,
)


@pytest.fixture
def admin_user(issuer):
    # The demo issuer: issuer staff with every admin permission.
    user = UserFactory(email="issuer@example.com", issuer_staff=True, is_superuser=True)
    issuer.staff.add(user)
    return user


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


def options(html, name):
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.DOTALL)
    assert select is not None, name
    return re.findall(r'<option value="[^"]+"[^>]*>([^<]+)</option>', select.group(1))


# --- Changelists -----------------------------------------------------------------------


def make_micro_credentials(n):
    return [MicroCredentialFactory().title for _ in range(n)]


def make_issuers(n):
    return [IssuerFactory().name for _ in range(n)]


def make_criteria(n):
    return [MicroCredentialFactory(rubric=[f"Criterion {n}"]).title for _ in range(n)]


def make_credentials(n):
    return [issue(UserFactory(), MicroCredentialFactory()).learner.email for _ in range(n)]


@pytest.mark.parametrize(
    ("url", "make_rows"),
    [
        ("/admin/credentials/microcredential/", make_micro_credentials),
        ("/admin/credentials/issuer/", make_issuers),
        ("/admin/credentials/rubriccriterion/", make_criteria),
        ("/admin/credentials/issuedcredential/", make_credentials),
    ],
)
def test_changelists_cost_the_same_queries_for_few_or_many_rows(staff_client, url, make_rows):
    shown = make_rows(3)
    few, _response = get_counting_queries(staff_client, url)
    shown += make_rows(6)
    many, response = get_counting_queries(staff_client, url)
    assert many == few
    assert many <= 10
    for text in shown:
        assert text in response.text


def test_micro_credentials_list_title_issuer_level_and_status(staff_client, micro_credential):
    text = staff_client.get("/admin/credentials/microcredential/").text
    row = text[text.index('<th class="field-title">') :]
    row = row[: row.index("</tr>")]
    assert ">Data Storytelling</a></th>" in row
    assert '<td class="field-issuer nowrap">Northfield Institute</td>' in row
    assert '<td class="field-level">Foundational</td>' in row
    assert '<td class="field-status">Published</td>' in row


def test_micro_credentials_filter_by_status(staff_client, issuer):
    MicroCredentialFactory(issuer=issuer, title="Live One")
    MicroCredentialFactory(issuer=issuer, title="Old One", status="retired")
    text = staff_client.get("/admin/credentials/microcredential/?status__exact=retired").text
    assert "Old One" in text
    assert "Live One" not in text


# --- The micro-credential form ---------------------------------------------------------


def test_assessor_and_skill_pickers_are_filter_widgets_offering_only_assessors(
    staff_client, assessor, learner
):
    SkillFactory(name="Charting")
    text = staff_client.get("/admin/credentials/microcredential/add/").text
    assert re.search(r'<select name="assessors"[^>]*class="selectfilter"', text)
    assert re.search(r'<select name="skills"[^>]*class="selectfilter"', text)
    assert options(text, "assessors") == ["assessor@example.com"]
    assert options(text, "skills") == ["Charting"]


def test_issuer_staff_picker_offers_only_issuer_staff(staff_client, issuer, assessor, learner):
    text = staff_client.get(f"/admin/credentials/issuer/{issuer.pk}/change/").text
    assert re.search(r'<select name="staff"[^>]*class="selectfilter"', text)
    assert options(text, "staff") == ["issuer@example.com"]


def form_data(issuer, **overrides):
    data = {
        "title": "Survey Design",
        "slug": "survey-design",
        "issuer": issuer.pk,
        "status": "draft",
        "level": "foundational",
        "estimated_hours": "10",
        "validity_months": "",
        "summary": "Design a survey that answers a question.",
        "description": "Plan, pilot and run a survey.",
        "criteria": "Show a piloted survey.",
        "evidence_expected": "",
        "learning_outcomes": "- Design a survey that answers its question.",
        "ects_credits": "",
        "eqf_level": "",
        "national_framework_level": "",
        "assessment_type": "portfolio",
        "participation": "online",
        "quality_assurance": "Reviewed by the institute's assessment board.",
        "prerequisites": "",
        "supervision": "",
        "grading": "",
        "stacks_towards": "",
        "criteria_set-TOTAL_FORMS": "1",
        "criteria_set-INITIAL_FORMS": "0",
        "criteria_set-MIN_NUM_FORMS": "0",
        "criteria_set-MAX_NUM_FORMS": "1000",
        "criteria_set-0-position": "1",
        "criteria_set-0-title": "Question design",
        "criteria_set-0-description": "Questions are clear and unbiased.",
        "criteria_set-0-required_level": "",
    }
    return data | overrides


def test_a_micro_credential_is_created_with_its_rubric_criteria(staff_client, issuer, assessor):
    issuer.assessors.add(assessor)
    response = staff_client.post(
        "/admin/credentials/microcredential/add/",
        form_data(issuer, status="published", assessors=[assessor.pk], badge_image=badge_upload()),
    )
    assert response.status_code == 302
    created = MicroCredential.objects.get(slug="survey-design")
    assert created.issuer == issuer
    assert list(created.assessors.all()) == [assessor]
    assert [c.title for c in created.criteria_set.all()] == ["Question design"]
    assert created.badge_image.name.startswith("badges/")
    # Whatever the request says: publishing is the publish action's job.
    assert created.status == "draft"


def badge_upload(size=(240, 240)):
    return SimpleUploadedFile("badge.png", png_bytes(size), content_type="image/png")


def test_a_bad_badge_is_refused_with_the_validator_message(staff_client, issuer):
    response = staff_client.post(
        "/admin/credentials/microcredential/add/",
        form_data(issuer, badge_image=badge_upload((100, 100))),
    )
    assert response.status_code == 200
    assert "The badge image must be at least 200x200 pixels; this one is 100x100." in response.text
    assert not MicroCredential.objects.filter(slug="survey-design").exists()


def test_each_criterion_row_links_to_its_own_page_for_levels(staff_client, micro_credential):
    text = staff_client.get(
        f"/admin/credentials/microcredential/{micro_credential.pk}/change/"
    ).text
    for criterion in micro_credential.criteria_set.all():
        assert f'href="/admin/credentials/rubriccriterion/{criterion.pk}/change/' in text


def test_a_new_criterion_explains_that_levels_come_first(staff_client, micro_credential):
    text = staff_client.get("/admin/credentials/rubriccriterion/add/").text
    assert "Save the criterion and add its levels first, then choose the level that passes." in text


def test_the_required_level_offers_only_the_criterions_own_levels(staff_client, micro_credential):
    criterion = micro_credential.criteria_set.get(position=1)
    text = staff_client.get(f"/admin/credentials/rubriccriterion/{criterion.pk}/change/").text
    assert options(text, "required_level") == ["Not yet", "Meets", "Exceeds"]
    # The levels are edited inline on this page.
    assert re.findall(r'name="levels-\d-name"[^>]*value="([^"]+)"', text) == [
        "Not yet",
        "Meets",
        "Exceeds",
    ]


def criterion_data(criterion, required_level_pk):
    levels = list(criterion.levels.all())
    data = {
        "position": criterion.position,
        "title": criterion.title,
        "description": criterion.description,
        "required_level": required_level_pk,
        "levels-TOTAL_FORMS": str(len(levels)),
        "levels-INITIAL_FORMS": str(len(levels)),
        "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "1000",
    }
    for n, level in enumerate(levels):
        data |= {
            f"levels-{n}-id": level.pk,
            f"levels-{n}-criterion": criterion.pk,
            f"levels-{n}-position": level.position,
            f"levels-{n}-name": level.name,
            f"levels-{n}-description": level.description,
        }
    return data


def test_a_required_level_from_another_criterion_is_refused(staff_client, micro_credential):
    first, second = micro_credential.criteria_set.order_by("position")
    foreign = second.levels.get(name="Exceeds")
    url = f"/admin/credentials/rubriccriterion/{first.pk}/change/"
    response = staff_client.post(url, criterion_data(first, foreign.pk))
    assert response.status_code == 200
    assert "Choose one of this criterion&#x27;s own levels as the required level." in response.text
    first.refresh_from_db()
    assert first.required_level.name == "Meets"

    own = first.levels.get(name="Exceeds")
    response = staff_client.post(url, criterion_data(first, own.pk))
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.required_level == own


def test_the_form_refuses_a_foreign_level_even_with_widened_choices(micro_credential):
    from credentials.forms import RubricCriterionAdminForm

    first, second = micro_credential.criteria_set.order_by("position")
    form = RubricCriterionAdminForm(
        data={
            "micro_credential": micro_credential.pk,
            "position": 1,
            "title": first.title,
            "description": first.description,
            "required_level": second.levels.first().pk,
        },
        instance=first,
    )
    form.fields["required_level"].queryset = RubricLevel.objects.all()
    assert not form.is_valid()
    assert form.errors["required_level"] == [
        "Choose one of this criterion's own levels as the required level."
    ]


# --- Issued credentials ----------------------------------------------------------------


def test_issued_credentials_list_status_and_links(staff_client, micro_credential):
    valid = issue(UserFactory(email="valid@example.com"), micro_credential)
    issue(
        UserFactory(email="expired@example.com"), micro_credential, issued_at=NOW.replace(year=2020)
    )
    revoked = revoke(issue(UserFactory(email="revoked@example.com"), micro_credential))
    text = staff_client.get("/admin/credentials/issuedcredential/").text
    statuses = dict(
        re.findall(
            r'<td class="field-learner[^"]*">([^<]+)</td>.*?<td class="field-status_label">(\w+)</td>',
            text,
            re.DOTALL,
        )
    )
    assert statuses == {
        "valid@example.com": "Valid",
        "expired@example.com": "Expired",
        "revoked@example.com": "Revoked",
    }
    assert (
        f'<a href="/c/{valid.public_id}/">Public page</a> · '
        f'<a href="/c/{valid.public_id}/revoke/">Revoke…</a>'
    ) in text
    assert f'<a href="/c/{revoked.public_id}/revoke/">' not in text


@pytest.mark.parametrize(
    ("status", "shown"),
    [("valid", "valid@"), ("expired", "expired@"), ("revoked", "revoked@")],
)
def test_issued_credentials_filter_by_status(staff_client, micro_credential, status, shown):
    issue(UserFactory(email="valid@example.com"), micro_credential)
    issue(
        UserFactory(email="expired@example.com"), micro_credential, issued_at=NOW.replace(year=2020)
    )
    revoke(issue(UserFactory(email="revoked@example.com"), micro_credential))
    text = staff_client.get(f"/admin/credentials/issuedcredential/?status={status}").text
    listed = re.findall(r'<td class="field-learner[^"]*">([^<@]+@)', text)
    assert listed == [shown]


def test_issued_credentials_are_read_only(staff_client, micro_credential):
    credential = issue(UserFactory(), micro_credential)
    listing = staff_client.get("/admin/credentials/issuedcredential/").text
    assert "/admin/credentials/issuedcredential/add/" not in listing
    assert staff_client.get("/admin/credentials/issuedcredential/add/").status_code == 403
    page = staff_client.get(f"/admin/credentials/issuedcredential/{credential.pk}/change/").text
    assert 'name="_save"' not in page
    assert f'<div class="readonly">{credential.award_reference}</div>' in page
    delete = f"/admin/credentials/issuedcredential/{credential.pk}/delete/"
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    assert IssuedCredential.objects.filter(pk=credential.pk).exists()


def test_retiring_keeps_issued_credentials_valid(client, staff_client, micro_credential):
    credential = issue(UserFactory(), micro_credential)
    response = staff_client.post(
        "/admin/credentials/microcredential/",
        {"action": "retire_selected", "_selected_action": [micro_credential.pk]},
    )
    assert response.status_code == 302
    micro_credential.refresh_from_db()
    assert micro_credential.status == "retired"
    credential.refresh_from_db()
    assert credential.status == "valid"
    assert (
        '<h1 class="credential-status-word">VALID</h1>'
        in client.get(f"/c/{credential.public_id}/").text
    )


def change_form_data(micro_credential, **overrides):
    """The change form as the admin shows it for `micro_credential`, with `overrides`."""
    criteria = list(micro_credential.criteria_set.order_by("position"))
    stored = {
        name: "" if value is None else value
        for name, value in model_to_dict(micro_credential).items()
        if name in form_data(micro_credential.issuer) and name != "issuer"
    }
    data = form_data(
        micro_credential.issuer,
        **stored,
        skills=[skill.pk for skill in micro_credential.skills.all()],
        **{
            "criteria_set-TOTAL_FORMS": str(len(criteria)),
            "criteria_set-INITIAL_FORMS": str(len(criteria)),
        },
    )
    for n, criterion in enumerate(criteria):
        data |= {
            f"criteria_set-{n}-id": criterion.pk,
            f"criteria_set-{n}-micro_credential": micro_credential.pk,
            f"criteria_set-{n}-position": criterion.position,
            f"criteria_set-{n}-title": criterion.title,
            f"criteria_set-{n}-description": criterion.description,
            f"criteria_set-{n}-required_level": criterion.required_level_id,
        }
    return data | overrides


def test_saving_the_change_form_leaves_the_status_alone(staff_client, micro_credential):
    url = f"/admin/credentials/microcredential/{micro_credential.pk}/change/"
    data = change_form_data(micro_credential, title="Data Storytelling, renamed", status="retired")
    response = staff_client.post(url, data)
    assert response.status_code == 302
    micro_credential.refresh_from_db()
    assert micro_credential.title == "Data Storytelling, renamed"
    assert micro_credential.status == "published"


def directory_names(client, query):
    return re.findall(
        r'<h3><a href="/p/[^/]+/">([^<]+)</a></h3>', client.get("/directory/", {"q": query}).text
    )


def test_an_edit_in_the_admin_reaches_the_holders_directory_entries_and_pages(
    staff_client, admin_user, micro_credential, settings, django_capture_on_commit_callbacks
):
    settings.DIRECTORY_IS_PUBLIC = True
    charts = SkillFactory(name="Data visualisation")
    micro_credential.skills.set([charts])
    holder = UserFactory(with_profile=False)
    LearnerProfileFactory(user=holder, public=True, slug="ada", display_name="Ada Byron")
    credential = issue(holder, micro_credential)
    rebuild_directory()
    assert directory_names(staff_client, "Data Storytelling") == ["Ada Byron"]
    assert directory_names(staff_client, "Narrative Analytics") == []
    assert "Data Storytelling" in staff_client.get("/p/ada/").text

    cartography = SkillFactory(name="Cartography")
    url = f"/admin/credentials/microcredential/{micro_credential.pk}/change/"
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            url,
            change_form_data(
                micro_credential, title="Narrative Analytics", skills=[cartography.pk]
            ),
        )
    assert response.status_code == 302

    # No rebuild: the edit's event brought the holder's entry up to date.
    assert directory_names(staff_client, "Narrative Analytics") == ["Ada Byron"]
    assert directory_names(staff_client, "Cartography") == ["Ada Byron"]
    event = Event.objects.get(verb="micro_credential.updated")
    assert (event.actor, event.target_id) == (admin_user, micro_credential.pk)
    assert event.payload["changed_fields"] == ["title", "skills"]
    # The anonymous public page and the credential's own page say the new title too.
    staff_client.logout()
    assert "Narrative Analytics" in staff_client.get("/p/ada/").text
    assert "Data Storytelling" not in staff_client.get("/p/ada/").text
    assert "Narrative Analytics" in staff_client.get(f"/c/{credential.public_id}/").text


def test_an_unchanged_save_records_nothing(staff_client, micro_credential):
    url = f"/admin/credentials/microcredential/{micro_credential.pk}/change/"
    response = staff_client.post(url, change_form_data(micro_credential))
    assert response.status_code == 302
    micro_credential.refresh_from_db()
    assert micro_credential.title == "Data Storytelling"
    assert not Event.objects.filter(verb="micro_credential.updated").exists()


# --- Issuer staff who are not superusers ----------------------------------------------


def test_issuer_staff_see_only_their_own_issuers_rows(client, issuer, micro_credential):
    staff = UserFactory(issuer_staff=True)
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label="credentials"))
    issuer.staff.add(staff)
    elsewhere = MicroCredentialFactory(title="Someone Else's Course")
    issue(UserFactory(email="mine@example.com"), micro_credential)
    issue(UserFactory(email="theirs@example.com"), elsewhere)
    client.force_login(staff)

    listing = client.get("/admin/credentials/microcredential/").text
    assert "Data Storytelling" in listing
    assert "Someone Else" not in listing
    credentials = client.get("/admin/credentials/issuedcredential/").text
    assert "mine@example.com" in credentials
    assert "theirs@example.com" not in credentials
    assert options(client.get("/admin/credentials/microcredential/add/").text, "issuer") == [
        "Northfield Institute"
    ]
    # Another issuer's row is treated as missing: the admin redirects with a notice.
    response = client.get(f"/admin/credentials/microcredential/{elsewhere.pk}/change/")
    assert response.status_code == 302
    assert response.url == "/admin/"
    criteria = client.get("/admin/credentials/rubriccriterion/").text
    assert "Someone Else" not in criteria
    assert "Data Storytelling" in criteria


def test_a_required_level_from_another_criterion_is_refused_by_the_model(db):
    from django.core.exceptions import ValidationError

    from tests.factories import MicroCredentialFactory

    first, second = MicroCredentialFactory().criteria_set.all()
    first.required_level = second.levels.first()
    with pytest.raises(ValidationError) as refused:
        first.full_clean()
    assert refused.value.message_dict["required_level"] == [
        "Choose one of this criterion's own levels."
    ]
