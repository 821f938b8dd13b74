"""A lookup whose SQL is built once answers as its QuerySet would."""

import uuid

import pytest

from portfolio.models import EvidenceItem, LearnerProfile, User
from portfolio.permissions import public_profiles
from portfolio.prepared import PLACEHOLDER, PreparedLookup
from tests.factories import EvidenceItemFactory, LearnerProfileFactory, UserFactory

# A lookup as a cached page's check would make: the profile's stamp, if it may be seen.
public_stamp = PreparedLookup(
    lambda slug: public_profiles().filter(slug=slug).values_list("user_id", "updated_at")
)


@pytest.fixture
def profiles(db):
    shown = LearnerProfileFactory(
        user=UserFactory(with_profile=False), slug="shown", is_public=True
    )
    LearnerProfileFactory(user=UserFactory(with_profile=False), slug="kept", is_public=False)
    return shown


def test_the_stamp_is_the_querysets_row_for_public_profiles_only(
    profiles, django_assert_num_queries
):
    with django_assert_num_queries(1):
        stamp = public_stamp.first("shown")
    assert stamp == (profiles.user_id, LearnerProfile.objects.get(slug="shown").updated_at)
    assert stamp[1].tzinfo is not None
    assert public_stamp.first("kept") is None
    assert public_stamp.first("nobody") is None
    # The rule is public_profiles()': built once, it still sees a deactivation at once.
    User.objects.filter(pk=profiles.user_id).update(is_active=False)
    assert public_stamp.first("shown") is None


def test_a_value_that_looks_like_sql_is_only_a_value(profiles):
    assert public_stamp.first("shown' OR '1'='1") is None


def test_the_looked_up_value_must_be_one_parameter(db):
    lookup = PreparedLookup(
        lambda slug: LearnerProfile.objects.filter(slug=slug, display_name=PLACEHOLDER).values_list(
            "pk"
        )
    )
    with pytest.raises(ValueError, match="exactly one parameter"):
        lookup.first("shown")


def test_a_uuid_is_looked_up_in_its_database_form(db):
    # SQLite keeps a UUID as hex text, PostgreSQL as uuid: the lookup converts as the field does.
    item = EvidenceItemFactory(submission_token=uuid.uuid4())
    lookup = PreparedLookup(
        lambda token: EvidenceItem.objects.filter(submission_token=token).values_list("pk"),
        placeholder=uuid.UUID(int=0),
        field=EvidenceItem._meta.get_field("submission_token"),
    )

    assert lookup.first(item.submission_token) == (item.pk,)
    assert lookup.first(uuid.uuid4()) is None
