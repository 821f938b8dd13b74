"""The migration to random allocation closes the lists that handed out indexes in order:
their credentials keep their indexes, the lists stay published, the next issue opens list 2."""

from datetime import UTC, datetime

from credentials.models import IssuedCredential, MicroCredential, StatusList
from tests.credentials.conftest import issue
from tests.factories import UserFactory
from tests.migrations import migrate

BEFORE = [("credentials", "0016_directory_skill_ids")]
AFTER = [("credentials", "0017_status_lists_random_allocation")]


def test_sequential_lists_are_closed_and_keep_their_credentials(migration_executor):
    apps = migrate(migration_executor, BEFORE)
    User = apps.get_model("portfolio", "User")
    Issuer = apps.get_model("credentials", "Issuer")
    old_micro_credentials = apps.get_model("credentials", "MicroCredential")
    old_status_lists = apps.get_model("credentials", "StatusList")
    old_credentials = apps.get_model("credentials", "IssuedCredential")
    issuer = Issuer.objects.create(
        name="Old", slug="old", url="https://example.org", email="x@example.org"
    )
    definition = old_micro_credentials.objects.create(
        issuer=issuer,
        title="Old",
        slug="old",
        summary="-",
        description="-",
        criteria="-",
        estimated_hours=1,
    )
    old_list = old_status_lists.objects.create(issuer=issuer, purpose="revocation", next_index=2)
    for index in (0, 1):
        old_credentials.objects.create(
            micro_credential=definition,
            issuer=issuer,
            learner=User.objects.create(email=f"{index}@example.org"),
            award_reference=f"old:{index}",
            issued_at=datetime(2026, 1, 1, tzinfo=UTC),
            status_list=old_list,
            status_list_index=index,
        )

    apps = migrate(migration_executor, AFTER)
    migrated = apps.get_model("credentials", "StatusList").objects.get()
    assert (migrated.number, migrated.size, migrated.allocated) == (1, 131_072, 2)
    assert (migrated.is_open, migrated.permutation_key) == (False, "")
    assert set(
        apps.get_model("credentials", "IssuedCredential").objects.values_list(
            "status_list_id", "status_list_index"
        )
    ) == {(old_list.pk, 0), (old_list.pk, 1)}

    # Fully migrated, the issuer's next credential opens list 2.
    migration_executor.loader.build_graph()
    migration_executor.migrate(migration_executor.loader.graph.leaf_nodes())
    new = issue(UserFactory(), MicroCredential.objects.get(slug="old"))
    assert new.status_list.number == 2
    assert StatusList.objects.filter(is_open=True).get() == new.status_list
    assert IssuedCredential.objects.filter(status_list_id=old_list.pk).count() == 2
