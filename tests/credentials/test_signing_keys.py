"""Issuers' signing keys: made, rotated, encrypted at rest, and never shown."""

import base64
import logging

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command
from django.core.management.base import CommandError

from credentials import services
from credentials.exceptions import SigningKeyNotAllowed
from credentials.models import SigningKey
from credentials.vc import keys
from credentials.vc.identity import NoSigningKey, signer_for
from credentials.vc.keys import PrivateKeyUnreadable, SigningSecretMissing, decrypt_private_key
from portfolio.models import Event
from tests.factories import IssuerFactory, UserFactory


def raw_private_bytes(private_key):
    return private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def test_generating_makes_one_active_key_and_is_idempotent(db):
    issuer = IssuerFactory(slug="institute")

    key = services.generate_signing_key(issuer_id=issuer.pk, by=None)
    again = services.generate_signing_key(issuer_id=issuer.pk, by=None)

    assert again == key
    assert (key.key_id, key.retired_at) == ("key-1", None)
    assert key.public_key_multibase.startswith("z6Mk")
    assert list(Event.objects.values_list("verb", flat=True)) == ["signing_key.generated"]


def test_rotating_retires_the_old_key_and_the_new_one_signs(db):
    issuer = IssuerFactory(slug="institute")
    first = services.generate_signing_key(issuer_id=issuer.pk, by=None)

    second = services.rotate_signing_key(issuer_id=issuer.pk, by=None)

    first.refresh_from_db()
    assert first.retired_at is not None
    assert (second.key_id, second.retired_at) == ("key-2", None)
    assert signer_for(issuer).key == second
    event = Event.objects.get(verb="signing_key.rotated")
    assert event.payload["retired_key_id"] == "key-1"
    assert event.payload["key_id"] == "key-2"


def test_the_site_has_keys_of_its_own_apart_from_issuers(db):
    issuer = IssuerFactory(slug="institute")
    issuer_key = services.generate_signing_key(issuer_id=issuer.pk, by=None)

    site_key = services.generate_signing_key(issuer_id=None, by=None)

    assert site_key.issuer is None
    assert site_key.key_id == "key-1" == issuer_key.key_id
    assert signer_for(None).key == site_key
    assert Event.objects.get(target_id=site_key.pk).scope == ""


def test_the_database_holds_only_ciphertext_of_the_private_key(db):
    issuer = IssuerFactory()
    key = services.generate_signing_key(issuer_id=issuer.pk, by=None)
    raw = raw_private_bytes(signer_for(issuer).private_key)
    stored = SigningKey.objects.values_list("private_key_encrypted", flat=True).get(pk=key.pk)

    assert len(raw) == 32
    for form in (raw.hex(), base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()):
        assert form.rstrip("=") not in stored
    assert raw not in stored.encode("latin-1")
    # What is stored is a Fernet token that only the configured secret opens.
    assert raw_private_bytes(decrypt_private_key(stored)) == raw


def test_nothing_that_shows_a_key_shows_its_private_half(db, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    issuer = IssuerFactory(slug="institute")

    call_command("signing_keys", "generate", "institute")
    call_command("signing_keys", "rotate", "institute")
    call_command("signing_keys", "list", "institute")

    raws = [
        raw_private_bytes(decrypt_private_key(k.private_key_encrypted))
        for k in SigningKey.objects.all()
    ]
    shown = (
        capsys.readouterr().out
        + caplog.text
        + "".join(f"{key!s}{key!r}" for key in SigningKey.objects.all())
        + repr(signer_for(issuer))
    )
    assert len(raws) == 2
    for raw in raws:
        assert raw.hex() not in shown
        assert base64.b64encode(raw).decode().rstrip("=") not in shown
    for key in SigningKey.objects.all():
        assert key.private_key_encrypted not in shown
        assert key.public_key_multibase in shown


def test_the_admin_does_not_list_signing_keys():
    from django.contrib import admin

    assert SigningKey not in admin.site._registry


def test_the_command_generates_once_rotates_and_lists(db, capsys):
    IssuerFactory(slug="institute")

    call_command("signing_keys", "generate", "institute")
    first = capsys.readouterr().out
    call_command("signing_keys", "generate", "institute")
    repeated = capsys.readouterr().out
    call_command("signing_keys", "rotate", "institute")
    rotated = capsys.readouterr().out
    call_command("signing_keys", "list", "institute")
    listed = capsys.readouterr().out

    assert "Signing with did:web:127.0.0.1%3A8000:issuers:institute#key-1" in first
    assert "Already has an active key: did:web:127.0.0.1%3A8000:issuers:institute#key-1" in repeated
    assert "Signing with did:web:127.0.0.1%3A8000:issuers:institute#key-2" in rotated
    assert "Retired key-1; it stays published." in rotated
    lines = listed.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["key-1", "key-2"]
    assert "retired" in lines[0]
    assert lines[1].endswith("active")
    assert SigningKey.objects.count() == 2


def test_the_command_makes_the_site_key_and_refuses_an_unknown_issuer(db, capsys):
    call_command("signing_keys", "generate", "--site")

    assert "Signing with did:web:127.0.0.1%3A8000#key-1" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No issuer has the slug 'nobody'"):
        call_command("signing_keys", "generate", "nobody")


def test_only_whoever_manages_the_issuer_may_change_its_key(db):
    issuer = IssuerFactory()
    staff = UserFactory(issuer_staff=True)
    issuer.staff.add(staff)
    outsider = UserFactory(issuer_staff=True)
    admin = UserFactory(is_superuser=True, is_staff=True)

    with pytest.raises(SigningKeyNotAllowed) as raised:
        services.generate_signing_key(issuer_id=issuer.pk, by=outsider)
    assert raised.value.code == "signing_key.not_allowed"
    with pytest.raises(SigningKeyNotAllowed):
        services.generate_signing_key(issuer_id=None, by=staff)
    assert not SigningKey.objects.exists()

    assert services.generate_signing_key(issuer_id=issuer.pk, by=staff).issuer == issuer
    assert services.rotate_signing_key(issuer_id=None, by=admin).issuer is None


def test_without_a_secret_no_key_is_made_or_used(db, settings):
    issuer = IssuerFactory()
    services.generate_signing_key(issuer_id=issuer.pk, by=None)
    settings.SIGNING_SECRET = ""
    settings.SIGNING_SECRET_FILE = None

    with pytest.raises(SigningKeyNotAllowed) as raised:
        services.rotate_signing_key(issuer_id=issuer.pk, by=None)
    assert raised.value.code == "signing_key.no_secret"
    assert "UNBUNDLED_SIGNING_SECRET" in raised.value.message
    with pytest.raises(SigningSecretMissing):
        signer_for(issuer)
    assert SigningKey.objects.get().retired_at is None  # the refused rotation changed nothing


def test_a_short_secret_is_refused(settings):
    settings.SIGNING_SECRET = "too-short"

    with pytest.raises(SigningSecretMissing, match="at least 32 characters"):
        keys.signing_secrets()


def test_another_secret_cannot_read_a_key_but_a_listed_fallback_can(db, settings):
    issuer = IssuerFactory()
    services.generate_signing_key(issuer_id=issuer.pk, by=None)
    old_secret = settings.SIGNING_SECRET
    settings.SIGNING_SECRET = "a-new-secret-" + "n" * 40

    with pytest.raises(PrivateKeyUnreadable):
        signer_for(issuer)
    settings.SIGNING_SECRET_FALLBACKS = [old_secret]
    assert signer_for(issuer).key.issuer == issuer


def test_the_embedded_profile_makes_its_secret_once_in_a_private_file(settings, tmp_path):
    settings.SIGNING_SECRET = ""
    settings.SIGNING_SECRET_FILE = tmp_path / "var" / "signing-secret"

    first = keys.signing_secrets()
    second = keys.signing_secrets()

    assert first == second
    assert len(first[0]) >= 32
    assert settings.SIGNING_SECRET_FILE.read_text() == first[0]
    assert settings.SIGNING_SECRET_FILE.stat().st_mode & 0o777 == 0o600


def test_an_issuer_without_a_key_cannot_sign(db):
    issuer = IssuerFactory(slug="institute")

    with pytest.raises(NoSigningKey, match=r"manage\.py signing_keys generate institute"):
        signer_for(issuer)


def test_the_activity_log_names_a_key_and_links_its_did_document(db):
    from credentials.activity import describe_signing_keys

    issuer = IssuerFactory(name="Institute", slug="institute")
    issuer_key = services.generate_signing_key(issuer_id=issuer.pk, by=None)
    site_key = services.generate_signing_key(issuer_id=None, by=None)
    reader = UserFactory(issuer_staff=True)

    named = describe_signing_keys(reader, [issuer_key.pk, site_key.pk])

    assert (named[issuer_key.pk].name, named[issuer_key.pk].url) == (
        "Institute key-1",
        "/issuers/institute/did.json",
    )
    assert (named[site_key.pk].name, named[site_key.pk].url) == (
        "Unbundled key-1",
        "/.well-known/did.json",
    )


@pytest.mark.parametrize("for_site", [False, True], ids=["issuer", "site"])
def test_the_database_allows_one_active_key_and_unique_numbers_per_owner(db, for_site):
    from django.db import IntegrityError, transaction

    issuer = None if for_site else IssuerFactory()
    key = services.generate_signing_key(issuer_id=issuer.pk if issuer else None, by=None)

    def another(**fields):
        with transaction.atomic():
            SigningKey.objects.create(
                issuer=issuer,
                public_key_multibase=f"z6Mk{fields.pop('suffix')}",
                private_key_encrypted="x",
                **fields,
            )

    with pytest.raises(IntegrityError):
        another(key_id="key-2", suffix="a")  # a second active key
    with pytest.raises(IntegrityError):
        another(key_id="key-1", suffix="b", retired_at=key.created_at)  # a reused number
    another(key_id="key-2", suffix="c", retired_at=key.created_at)
    assert SigningKey.objects.filter(issuer=issuer).count() == 2
