"""What a micro-credential states: the elements of the Council Recommendation on
micro-credentials (2022/C 243/02, Annex I), as issuer staff edit them and its page shows them."""

import html
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from credentials.models import MicroCredential
from tests.credentials.test_admin import form_data
from tests.factories import IssuerFactory, MicroCredentialFactory, UserFactory


def page(client, micro_credential):
    response = client.get(f"/credentials/{micro_credential.slug}/")
    assert response.status_code == 200
    return response.text


def definitions(markup):
    """The micro-credential's elements list as (term, description text) pairs."""
    found = re.search(r'<dl class="meta mc-elements">(.*?)</dl>', markup, re.DOTALL)
    assert found is not None
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", found.group(1), re.DOTALL)
    return {term: html.unescape(re.sub(r"<[^>]+>", "", text)) for term, text in pairs}


@pytest.fixture
def stated(issuer):
    issuer.country = "Ireland"
    issuer.save()
    whole = MicroCredentialFactory(issuer=issuer, title="Data Analysis Certificate")
    return MicroCredentialFactory(
        issuer=issuer,
        title="Data Storytelling",
        slug="data-storytelling",
        level="intermediate",
        estimated_hours=30,
        ects_credits=Decimal("1.5"),
        eqf_level=5,
        national_framework_level="NFQ level 6",
        learning_outcomes="- Tell a story with **data**.\n- Choose the right chart.",
        assessment_type="prior_learning",
        participation="work_experience",
        quality_assurance="Moderated by a second assessor.",
        prerequisites="Basic *spreadsheet* skills.",
        supervision="supervised_online_id",
        grading="Pass, with the rubric level reached on each criterion.",
        stacks_towards=whole,
        validity_months=24,
    )


def test_the_page_lists_every_element_the_issuer_states(client, stated):
    text = page(client, stated)
    assert definitions(text) == {
        "Awarding body": "Northfield Institute",
        "Country or region": "Ireland",
        "Level": "Intermediate",
        "EQF level": "5",
        "National framework level": "NFQ level 6",
        "Notional workload": "30 hours (1.5 ECTS credits)",
        "Type of assessment": "Recognition of prior learning",
        "Supervision and identity verification": "Supervised online, with identity verification",
        "Grade or outcome": "Pass, with the rubric level reached on each criterion.",
        "Form of participation": "Work experience",
        "Quality assurance": "Moderated by a second assessor.",
        "Valid for": "24 months from issue",
        "Stacking": "Counts towards Data Analysis Certificate",
    }
    whole = stated.stacks_towards
    assert f'Counts towards <a href="/credentials/{whole.slug}/">{whole.title}</a>' in text
    assert "<li>Tell a story with <strong>data</strong>.</li>" in text
    assert '<h2 id="outcomes-heading">Learning outcomes</h2>' in text
    assert "<p>Basic <em>spreadsheet</em> skills.</p>" in text


def test_optional_elements_left_out_are_not_listed_and_stacking_says_it_stands_alone(
    client, issuer
):
    micro_credential = MicroCredentialFactory(issuer=issuer, estimated_hours=1)
    shown = definitions(page(client, micro_credential))
    assert shown == {
        "Awarding body": "Northfield Institute",
        "Country or region": "Not stated",
        "Level": "Foundational",
        "Notional workload": "1 hour",
        "Type of assessment": "Portfolio of evidence, assessed against a rubric",
        "Form of participation": "Online",
        "Quality assurance": "Reviewed yearly by the institute's assessment board.",
        "Valid for": "Does not expire",
        "Stacking": "Stands alone",
    }
    assert "Prerequisites" not in page(client, micro_credential)


def test_one_ects_credit_is_singular(client, issuer):
    micro_credential = MicroCredentialFactory(issuer=issuer, ects_credits=Decimal("1.0"))
    assert definitions(page(client, micro_credential))["Notional workload"] == (
        "12 hours (1 ECTS credit)"
    )


def test_a_micro_credential_written_before_the_elements_says_what_is_not_stated(client, issuer):
    micro_credential = MicroCredentialFactory(
        issuer=issuer,
        learning_outcomes="",
        assessment_type="",
        participation="",
        quality_assurance="",
    )
    shown = definitions(page(client, micro_credential))
    assert shown["Type of assessment"] == "Not stated"
    assert shown["Form of participation"] == "Not stated"
    assert shown["Quality assurance"] == "Not stated"
    assert shown["Level"] == "Foundational"
    assert "Learning outcomes" not in page(client, micro_credential)


def test_stacking_towards_a_draft_is_not_shown(client, issuer):
    draft = MicroCredentialFactory(issuer=issuer, title="Unannounced Diploma", status="draft")
    micro_credential = MicroCredentialFactory(issuer=issuer, stacks_towards=draft)
    text = page(client, micro_credential)
    assert definitions(text)["Stacking"] == "Stands alone"
    assert "Unannounced Diploma" not in text


# --- Validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ects_credits": Decimal("0")}, "ects_credits"),
        ({"ects_credits": Decimal("60.5")}, "ects_credits"),
        ({"ects_credits": Decimal("1.25")}, "ects_credits"),
        ({"eqf_level": 9}, "eqf_level"),
        ({"assessment_type": "guesswork"}, "assessment_type"),
        ({"participation": "telepathy"}, "participation"),
        ({"supervision": "sometimes"}, "supervision"),
        ({"estimated_hours": 0}, "estimated_hours"),
        ({"learning_outcomes": ""}, "learning_outcomes"),
        ({"quality_assurance": ""}, "quality_assurance"),
    ],
)
def test_the_model_refuses_elements_out_of_range(issuer, changes, field):
    micro_credential = MicroCredentialFactory.build(issuer=issuer, **changes)
    with pytest.raises(ValidationError) as refused:
        micro_credential.full_clean(exclude=["badge_image"])
    assert list(refused.value.message_dict) == [field]


def test_the_model_accepts_a_complete_micro_credential(issuer):
    MicroCredentialFactory.build(
        issuer=issuer, ects_credits=Decimal("60"), eqf_level=8, supervision="unsupervised"
    ).full_clean(exclude=["badge_image"])


def test_a_micro_credential_cannot_stack_towards_itself(issuer):
    micro_credential = MicroCredentialFactory(issuer=issuer)
    micro_credential.stacks_towards = micro_credential
    with pytest.raises(ValidationError) as refused:
        micro_credential.clean()
    assert refused.value.message_dict == {
        "stacks_towards": ["A micro-credential cannot stack towards itself."]
    }
    # The database holds the same line, whatever writes the row.
    with pytest.raises(IntegrityError), transaction.atomic():
        MicroCredential.objects.filter(pk=micro_credential.pk).update(
            stacks_towards=micro_credential
        )


def test_stacking_cannot_go_round_in_a_circle(issuer):
    first = MicroCredentialFactory(issuer=issuer, title="First")
    second = MicroCredentialFactory(issuer=issuer, title="Second", stacks_towards=first)
    third = MicroCredentialFactory(issuer=issuer, title="Third", stacks_towards=second)
    third.clean()  # a straight chain is fine
    first.stacks_towards = third
    with pytest.raises(ValidationError) as refused:
        first.clean()
    assert refused.value.message_dict == {
        "stacks_towards": [
            "Third already counts towards this micro-credential; stacking cannot go round in "
            "a circle."
        ]
    }


@pytest.mark.parametrize(
    ("column", "value"),
    [("eqf_level", 0), ("ects_credits", Decimal("-1")), ("participation", "telepathy")],
)
def test_the_database_refuses_what_the_form_would(issuer, column, value):
    micro_credential = MicroCredentialFactory(issuer=issuer)
    with pytest.raises(IntegrityError), transaction.atomic():
        MicroCredential.objects.filter(pk=micro_credential.pk).update(**{column: value})
    micro_credential.refresh_from_db()
    assert micro_credential.participation == "online"


# --- The admin ---------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, issuer):
    user = UserFactory(email="issuer@example.com", issuer_staff=True, is_superuser=True)
    issuer.staff.add(user)
    client.force_login(user)
    return client


ADD = "/admin/credentials/microcredential/add/"


def test_issuer_staff_state_the_elements_in_the_admin(staff_client, issuer):
    whole = MicroCredentialFactory(issuer=issuer, title="Survey Certificate")
    response = staff_client.post(
        ADD,
        form_data(
            issuer,
            ects_credits="2.5",
            eqf_level="4",
            national_framework_level="SCQF level 7",
            assessment_type="test",
            participation="blended",
            supervision="supervised",
            grading="Pass or fail.",
            prerequisites="None beyond curiosity.",
            stacks_towards=whole.pk,
        ),
    )
    assert response.status_code == 302
    created = MicroCredential.objects.get(slug="survey-design")
    assert created.ects_credits == Decimal("2.5")
    assert created.eqf_level == 4
    assert created.national_framework_level == "SCQF level 7"
    assert created.assessment_type == "test"
    assert created.participation == "blended"
    assert created.supervision == "supervised"
    assert created.grading == "Pass or fail."
    assert created.learning_outcomes == "- Design a survey that answers its question."
    assert created.quality_assurance == "Reviewed by the institute's assessment board."
    assert created.stacks_towards == whole


def test_the_admin_requires_the_elements_every_micro_credential_states(staff_client, issuer):
    response = staff_client.post(
        ADD,
        form_data(
            issuer,
            learning_outcomes="",
            assessment_type="",
            participation="",
            quality_assurance="",
            ects_credits="0",
        ),
    )
    assert response.status_code == 200
    errors = re.findall(
        r'<ul class="errorlist" id="id_(\w+)_error"><li>([^<]+)</li>', response.text
    )
    assert dict(errors) == {
        "learning_outcomes": "This field is required.",
        "assessment_type": "This field is required.",
        "participation": "This field is required.",
        "quality_assurance": "This field is required.",
        "ects_credits": "Ensure this value is greater than or equal to 0.1.",
    }
    assert not MicroCredential.objects.filter(slug="survey-design").exists()


def test_a_micro_credential_stacks_only_towards_its_own_issuers(client, issuer):
    other = MicroCredentialFactory(issuer=IssuerFactory(name="Elsewhere College"))
    # A site administrator sees every issuer's micro-credentials in the chooser, so the form
    # itself must keep stacking within one awarding body.
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.post(ADD, form_data(issuer, stacks_towards=other.pk))
    assert response.status_code == 200
    assert "Choose one of Northfield Institute&#x27;s own micro-credentials." in response.text
    assert not MicroCredential.objects.filter(slug="survey-design").exists()

    own = MicroCredentialFactory(issuer=issuer)
    assert client.post(ADD, form_data(issuer, stacks_towards=own.pk)).status_code == 302
    assert MicroCredential.objects.get(slug="survey-design").stacks_towards == own


def test_issuer_staff_are_offered_only_their_own_micro_credentials_to_stack_towards(client, issuer):
    from django.contrib.auth.models import Permission

    staff = UserFactory(issuer_staff=True, is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label="credentials"))
    issuer.staff.add(staff)
    MicroCredentialFactory(issuer=issuer, title="Our Certificate")
    MicroCredentialFactory(issuer=IssuerFactory(), title="Their Certificate")
    client.force_login(staff)
    text = client.get(ADD).text
    select = re.search(r'<select name="stacks_towards"[^>]*>(.*?)</select>', text, re.DOTALL)
    assert select is not None
    assert re.findall(r'<option value="\d+">([^<]+)</option>', select.group(1)) == [
        "Our Certificate"
    ]


def test_the_issuer_states_its_country_in_the_admin(staff_client, issuer):
    text = staff_client.get(f"/admin/credentials/issuer/{issuer.pk}/change/").text
    assert 'name="country"' in text
    assert "Country or region" in text
