"""The data migration that makes every assessor already assigned to an issuer's
micro-credential one of that issuer's assessors, so existing assignments stay valid."""

BEFORE = [("credentials", "0003_issuer_assessors_and_invitations")]
AFTER = [("credentials", "0004_issuer_assessors_from_assignments")]


def test_assigned_assessors_become_their_issuers_assessors(migration_executor):
    migration_executor.migrate(BEFORE)
    apps = migration_executor.loader.project_state(BEFORE).apps
    User = apps.get_model("portfolio", "User")
    Issuer = apps.get_model("credentials", "Issuer")
    MicroCredential = apps.get_model("credentials", "MicroCredential")

    def issuer(slug):
        return Issuer.objects.create(
            name=slug, slug=slug, url="https://example.org", email="x@example.org"
        )

    def assessor(email):
        return User.objects.create(email=email, role="assessor")

    def micro_credential(slug, owner, assessors):
        created = MicroCredential.objects.create(
            issuer=owner,
            title=slug,
            slug=slug,
            summary="-",
            description="-",
            criteria="-",
            estimated_hours=1,
        )
        created.assessors.set(assessors)

    a, b = issuer("issuer-a"), issuer("issuer-b")
    both, only_a, unassigned = assessor("both@x.org"), assessor("a@x.org"), assessor("n@x.org")
    micro_credential("a-1", a, [both, only_a])
    micro_credential("a-2", a, [both])
    micro_credential("b-1", b, [both])

    migration_executor.loader.build_graph()
    migration_executor.migrate(AFTER)
    apps = migration_executor.loader.project_state(AFTER).apps
    Issuer = apps.get_model("credentials", "Issuer")

    members = {
        issuer.slug: sorted(issuer.assessors.values_list("email", flat=True))
        for issuer in Issuer.objects.all()
    }
    assert members == {"issuer-a": ["a@x.org", "both@x.org"], "issuer-b": ["both@x.org"]}
    assert unassigned.email not in members["issuer-a"] + members["issuer-b"]
