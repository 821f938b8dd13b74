import pytest

from tests.factories import LearnerProfileFactory, UserFactory


@pytest.fixture
def learner(db):
    return UserFactory(email="learner@example.com")


@pytest.fixture
def other_learner(db):
    return UserFactory(email="other@example.com")


@pytest.fixture
def public_learner(db):
    user = UserFactory(email="public@example.com", with_profile=False)
    LearnerProfileFactory(
        user=user, public=True, slug="public-learner", display_name="Public Learner"
    )
    return user


@pytest.fixture
def assessor(db):
    return UserFactory(email="assessor@example.com", assessor=True)


@pytest.fixture
def employer(db):
    return UserFactory(email="employer@example.com", employer=True)


@pytest.fixture
def issuer_staff(db):
    return UserFactory(email="issuer@example.com", issuer_staff=True)
