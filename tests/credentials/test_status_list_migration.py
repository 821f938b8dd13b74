"""The data migration that puts every credential issued so far into its issuer's
revocation list, now that indexes are unique per list rather than across all issuers."""

from datetime import UTC, datetime

from tests.migrations import migrate

BEFORE = [("credentials", "0005_status_lists")]
AFTER = [("credentials", "0006_credentials_into_status_lists")]


def test_every_credential_gets_a_bit_in_its_issuers_list(migration_executor):
    apps = migrate(migration_executor, BEFORE)
    User = apps.get_model("portfolio", "User")
    Issuer = apps.get_model("credentials", "Issuer")
    MicroCredential = apps.get_model("credentials", "MicroCredential")
    IssuedCredential = apps.get_model("credentials", "IssuedCredential")

    def issuer(slug):
        return Issuer.objects.create(
            name=slug, slug=slug, url="https://example.org", email="x@example.org"
        )

    def micro_credential(owner):
        return MicroCredential.objects.create(
            issuer=owner,
            title=owner.slug,
            slug=owner.slug,
            summary="-",
            description="-",
            criteria="-",
            estimated_hours=1,
        )

    def credential(definition, email, day, index=None):
        IssuedCredential.objects.create(
            micro_credential=definition,
            issuer_id=definition.issuer_id,
            learner=User.objects.create(email=email),
            award_reference=email,
            issued_at=datetime(2026, 1, day, tzinfo=UTC),
            status_list_index=index,
        )

    a, b = micro_credential(issuer("issuer-a")), micro_credential(issuer("issuer-b"))
    issuer("issuer-without-credentials")
    # Issued out of primary-key order: the order of issue decides.
    credential(a, "a-later@x.org", day=9)
    credential(a, "a-earlier@x.org", day=2)
    # Indexes set before were unique across all issuers: they stay as they were.
    credential(b, "b-indexed@x.org", day=1, index=4)
    credential(b, "b-new@x.org", day=3)
    credential(a, "a-indexed@x.org", day=5, index=7)

    apps = migrate(migration_executor, AFTER)
    StatusList = apps.get_model("credentials", "StatusList")
    IssuedCredential = apps.get_model("credentials", "IssuedCredential")

    lists = {
        status_list.issuer.slug: (status_list.purpose, status_list.next_index)
        for status_list in StatusList.objects.select_related("issuer")
    }
    assert lists == {"issuer-a": ("revocation", 10), "issuer-b": ("revocation", 6)}
    placed = {
        c.learner.email: (c.status_list.issuer.slug, c.status_list_index)
        for c in IssuedCredential.objects.select_related("learner", "status_list__issuer")
    }
    assert placed == {
        "a-earlier@x.org": ("issuer-a", 8),
        "a-later@x.org": ("issuer-a", 9),
        "a-indexed@x.org": ("issuer-a", 7),
        "b-indexed@x.org": ("issuer-b", 4),
        "b-new@x.org": ("issuer-b", 5),
    }

    apps = migrate(migration_executor, BEFORE)
    IssuedCredential = apps.get_model("credentials", "IssuedCredential")
    assert not apps.get_model("credentials", "StatusList").objects.exists()
    assert set(IssuedCredential.objects.values_list("status_list", "status_list_index")) == {
        (None, None)
    }
