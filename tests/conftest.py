from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import LearnerProfileFactory, UserFactory

# The `racer` fixture, for tests that race two database connections.
pytest_plugins = ["tests.concurrency"]


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


@pytest.fixture(autouse=True)
def _clear_cache():
    # allauth keeps its rate-limit counters in the cache; without this, login-heavy tests
    # would share them and randomly hit the limit.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def migration_executor(transactional_db: None) -> Iterator[MigrationExecutor]:
    executor = MigrationExecutor(connection)
    yield executor
    # Leave the database fully migrated for the tests that follow.
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
