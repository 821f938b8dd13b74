"""Writes to learner profiles: creation at sign-up, edits, and the avatar."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import partial
from http import HTTPStatus
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from PIL import Image

from portfolio.errors import PortfolioError
from portfolio.events import NoPayload, record_event
from portfolio.models import CredentialGrouping, LearnerProfile, User
from portfolio.uploads import ALLOWED_IMAGES_TEXT, inspect_upload, process_image, read_upload
from portfolio.verbs import (
    PROFILE_AVATAR_CHANGED,
    PROFILE_AVATAR_REMOVED,
    PROFILE_CREATED,
    PROFILE_UPDATED,
    ProfileCreated,
    ProfileUpdated,
)

AVATAR_MAX_SIDE = 512
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,78}[a-z0-9]$")
# Addresses that would look official on /p/<slug>/ or clash with a future top-level page.
RESERVED_SLUGS = frozenset(
    {
        "about", "account", "accounts", "admin", "administrator", "api", "app", "assessor",
        "assessments", "auth", "credential", "credentials", "dashboard", "employer", "evidence",
        "help", "home", "issuer", "login", "logout", "me", "media", "new", "official", "portfolio",
        "privacy", "profile", "public", "root", "security", "settings", "signup", "sign-up",
        "static", "staff", "support", "system", "terms", "unbundled", "verify", "www",
    }
)  # fmt: skip
# Keep the avatar formats' own codecs; only JPEG needs a quality setting.
_SAVE_OPTIONS: dict[str, dict[str, object]] = {
    "JPEG": {"quality": 90, "optimize": True},
    "WEBP": {"quality": 90},
    "PNG": {"optimize": True},
    "GIF": {},
}


class ProfileError(PortfolioError):
    """A change to a profile refused; nothing was saved."""


@dataclass(frozen=True)
class PreparedAvatar:
    """An accepted avatar: re-encoded bytes, metadata stripped, at most AVATAR_MAX_SIDE."""

    content: bytes
    extension: str


def _unique_slug(base: str) -> str:
    # slugify keeps underscores and may leave a hyphen at the cut; addresses allow neither.
    root = re.sub(r"[^a-z0-9]+", "-", slugify(base))[:60].strip("-") or "learner"
    if len(root) < 3 or root in RESERVED_SLUGS:
        root = f"{root}-learner"
    candidate, n = root, 1
    while LearnerProfile.objects.filter(slug=candidate).exists():
        n += 1
        candidate = f"{root}-{n}"
    return candidate


def ensure_profile(*, user: User, display_name: str = "", by: User | None = None) -> LearnerProfile:
    """The learner's profile, created private on first call. Idempotent.

    `by` is who caused it (an administrator creating the account); by default the user,
    whose sign-up or first visit it is. Only the call that creates the profile records an
    event.

    Without a name (an account made in the admin, say) the display name stays empty rather
    than borrowing the e-mail's local part: a credential must never be "awarded to" a login,
    so submit_application refuses until the learner has given a name.
    """
    existing = LearnerProfile.objects.filter(user=user).first()
    if existing is not None:
        return existing
    name = display_name.strip() or user.get_full_name()
    # Two concurrent sign-ups can pick the same slug; the unique index decides and we retry.
    for _attempt in range(5):
        try:
            with transaction.atomic():
                profile = LearnerProfile.objects.create(
                    user=user,
                    display_name=name,
                    slug=_unique_slug(name or user.email.split("@")[0]),
                )
                record_event(
                    PROFILE_CREATED,
                    by=by or user,
                    target=profile,
                    owner=user,
                    payload=ProfileCreated(slug=profile.slug),
                )
                return profile
        except IntegrityError:
            existing = LearnerProfile.objects.filter(user=user).first()
            if existing is not None:
                return existing
    raise RuntimeError("Could not allocate a unique profile slug.")


def check_slug_shape(slug: str) -> None:
    """Raise ValidationError unless the slug is well-formed and not reserved.

    Availability is state, so update_profile checks it under the row lock.
    """
    if not SLUG_PATTERN.match(slug):
        raise ValidationError(
            _(
                "Use 3 to 80 lowercase letters, numbers and hyphens, starting and ending with a letter or number (for example “amara-okafor”)."
            ),
            code="malformed",
        )
    if slug in RESERVED_SLUGS:
        raise ValidationError(
            _("“%(slug)s” is reserved. Choose another address.") % {"slug": slug},
            code="reserved",
        )


# Which hosts each kind of profile link may point at; "website" may be anywhere.
_LINK_HOSTS: dict[str, tuple[str, ...]] = {
    "website": (),
    "linkedin": ("linkedin.com",),
    "github": ("github.com",),
}
_LINK_EXAMPLES = {
    "linkedin": "https://www.linkedin.com/in/your-name/",
    "github": "https://github.com/your-name",
}


def check_profile_link(url: str, *, site: str) -> str:
    """The link, stripped, if it is an http(s) address on the site's own hosts; "" for none.

    Raises ValidationError otherwise: a public page must never carry a javascript: or
    data: link, and a "LinkedIn" link that leads elsewhere would mislead its readers.
    """
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in {"http", "https"} or not host:
        raise ValidationError(
            _("Enter a web address starting with https:// or http://."), code="scheme"
        )
    hosts = _LINK_HOSTS[site]
    if hosts and not any(host == allowed or host.endswith("." + allowed) for allowed in hosts):
        raise ValidationError(
            _("Enter an address on %(host)s, such as %(example)s.")
            % {"host": hosts[0], "example": _LINK_EXAMPLES[site]},
            code="host",
        )
    return url


def _slug_taken() -> ProfileError:
    return ProfileError(
        _("This address is already taken by another learner. Choose another one."),
        code="profile.slug_taken",
        field="slug",
        status=HTTPStatus.CONFLICT,
    )


def _ensure_owner(profile_id: int, by: User) -> None:
    # Nobody edits another learner's profile, whatever their role: staff use the admin.
    if not LearnerProfile.objects.filter(pk=profile_id, user_id=by.pk).exists():
        raise ProfileError(
            _("You can only change your own profile."),
            code="profile.not_owner",
            status=HTTPStatus.FORBIDDEN,
        )


def prepare_avatar(upload: UploadedFile[bytes]) -> PreparedAvatar:
    """Check and re-encode an avatar upload; raises ProfileError about the field "avatar".

    Callers run it before opening their transaction: decoding an image can take a while
    and must not hold the profile's row lock.
    """
    only_images = _("Your avatar must be a %(images)s image.") % {"images": ALLOWED_IMAGES_TEXT}
    try:
        data = read_upload(upload)
        inspected = inspect_upload(data, original_name=upload.name or "")
        if not inspected.is_image:
            raise ValidationError(
                _("%(only_images)s This file is %(what)s.")
                % {"only_images": only_images, "what": inspected.label_with_article},
                code="not_image",
            )
        processed = process_image(data)
    except ValidationError as error:
        # The general upload messages list document formats too; an avatar takes images only.
        if error.code in {"unsupported", "html", "macros"}:
            raise _avatar_refused(only_images, "not_image") from None
        raise _avatar_refused(" ".join(error.messages), str(error.code)) from None
    content = processed.content
    if max(processed.width, processed.height) > AVATAR_MAX_SIDE:
        content = _downscale(content)
    return PreparedAvatar(content=content, extension=processed.extension)


def _avatar_refused(message: str, reason: str) -> ProfileError:
    return ProfileError(message, code=f"profile.avatar_{reason}", field="avatar")


def _downscale(content: bytes) -> bytes:
    # process_image has already checked the pixel count, re-encoded without metadata and
    # applied the EXIF orientation, so this re-encode starts from clean pixels. An animated
    # GIF this large keeps only its first frame: an avatar does not need to move.
    with Image.open(io.BytesIO(content)) as image:
        fmt = image.format or "PNG"
        image.thumbnail((AVATAR_MAX_SIDE, AVATAR_MAX_SIDE))
        buffer = io.BytesIO()
        image.save(buffer, format=fmt, **_SAVE_OPTIONS.get(fmt, {}))
    return buffer.getvalue()


def _delete_after_commit(profile: LearnerProfile, name: str) -> None:
    if name:
        # Only once the new state is committed: a rollback must leave the old file in place.
        transaction.on_commit(partial(profile.avatar.storage.delete, name), robust=True)


def _store_avatar(profile: LearnerProfile, avatar: PreparedAvatar) -> None:
    old_name = profile.avatar.name or ""
    # Storage is not transactional: a rollback after this write leaves an unreferenced file
    # under a random name, which is harmless, whereas deleting early could lose the old one.
    profile.avatar.save(f"avatar.{avatar.extension}", ContentFile(avatar.content), save=False)
    profile.save(update_fields=["avatar", "updated_at"])
    _delete_after_commit(profile, old_name)


def _clear_avatar(profile: LearnerProfile) -> bool:
    """Remove the avatar; False if there was none."""
    old_name = profile.avatar.name or ""
    if not old_name:
        return False
    # An empty name is how Django clears a FileField.
    profile.avatar = ""
    profile.save(update_fields=["avatar", "updated_at"])
    _delete_after_commit(profile, old_name)
    return True


def update_profile(
    *,
    profile_id: int,
    by: User,
    display_name: str,
    slug: str,
    headline: str = "",
    bio: str = "",
    location: str = "",
    is_public: bool = False,
    in_directory: bool = True,
    is_indexable: bool = False,
    website_url: str = "",
    linkedin_url: str = "",
    github_url: str = "",
    group_credentials_by: str = CredentialGrouping.ISSUER,
    transcript_is_public: bool = False,
    accepts_contact_requests: bool = True,
    avatar: UploadedFile[bytes] | None = None,
    remove_avatar: bool = False,
) -> LearnerProfile:
    """Save the profile form: text fields, public address and switches, and the avatar.

    Raises ProfileError (403) unless `by` owns the profile, and ProfileError about a field
    ("slug", "avatar") for a malformed, reserved or taken slug or a refused image; nothing is
    saved then; ValidationError for a link that check_profile_link refuses or an unknown
    grouping (the form checks both first). A replaced or removed avatar file is deleted after
    commit. Records one event naming the changed fields, or none if nothing changed.
    """
    _ensure_owner(profile_id, by)
    links = {
        "website_url": check_profile_link(website_url, site="website"),
        "linkedin_url": check_profile_link(linkedin_url, site="linkedin"),
        "github_url": check_profile_link(github_url, site="github"),
    }
    if group_credentials_by not in CredentialGrouping.values:
        raise ValidationError(f"Unknown grouping {group_credentials_by!r}.", code="invalid")
    try:
        check_slug_shape(slug)
    except ValidationError as error:
        raise ProfileError(
            " ".join(error.messages), code=f"profile.slug_{error.code}", field="slug"
        ) from None
    prepared = prepare_avatar(avatar) if avatar is not None else None
    with transaction.atomic(durable=True):
        locked = LearnerProfile.objects.select_for_update().get(pk=profile_id)
        if LearnerProfile.objects.filter(slug=slug).exclude(pk=locked.pk).exists():
            raise _slug_taken()
        text_fields = [
            "display_name",
            "slug",
            "headline",
            "bio",
            "location",
            "is_public",
            "in_directory",
            "is_indexable",
            *links,
            "group_credentials_by",
            "transcript_is_public",
            "accepts_contact_requests",
        ]
        before = {name: getattr(locked, name) for name in text_fields}
        locked.display_name = display_name
        locked.slug = slug
        locked.headline = headline
        locked.bio = bio
        locked.location = location
        locked.is_public = is_public
        locked.in_directory = in_directory
        locked.is_indexable = is_indexable
        for name, value in links.items():
            setattr(locked, name, value)
        locked.group_credentials_by = group_credentials_by
        locked.transcript_is_public = transcript_is_public
        locked.accepts_contact_requests = accepts_contact_requests
        try:
            # A concurrent edit can claim the slug between the check and the write; the
            # unique index decides, in a savepoint so the transaction stays usable.
            with transaction.atomic():
                locked.save(update_fields=[*text_fields, "updated_at"])
        except IntegrityError:
            raise _slug_taken() from None
        changed = [name for name in text_fields if getattr(locked, name) != before[name]]
        if prepared is not None:
            _store_avatar(locked, prepared)
            changed.append("avatar")
        elif remove_avatar and _clear_avatar(locked):
            changed.append("avatar")
        if changed:
            # `by` is the owner (_ensure_owner).
            record_event(
                PROFILE_UPDATED,
                by=by,
                target=locked,
                owner=by,
                payload=ProfileUpdated(
                    changed_fields=tuple(changed), slug=locked.slug, is_public=locked.is_public
                ),
            )
    return locked


def set_avatar(*, profile_id: int, by: User, upload: UploadedFile[bytes]) -> LearnerProfile:
    """Replace the avatar with an uploaded image, re-encoded and at most 512 pixels a side.

    Raises ProfileError (403) unless `by` owns the profile, and ProfileError (about
    "avatar") for anything that is not an acceptable image. The old file goes after commit.
    """
    _ensure_owner(profile_id, by)
    avatar = prepare_avatar(upload)
    with transaction.atomic():
        locked = LearnerProfile.objects.select_for_update().get(pk=profile_id)
        _store_avatar(locked, avatar)
        record_event(PROFILE_AVATAR_CHANGED, by=by, target=locked, owner=by, payload=NoPayload())
    return locked


@transaction.atomic
def remove_avatar(*, profile_id: int, by: User) -> LearnerProfile:
    """Clear the avatar and delete its file after commit.

    Idempotent: without an avatar it changes nothing and records no event.
    """
    _ensure_owner(profile_id, by)
    locked = LearnerProfile.objects.select_for_update().get(pk=profile_id)
    if _clear_avatar(locked):
        record_event(PROFILE_AVATAR_REMOVED, by=by, target=locked, owner=by, payload=NoPayload())
    return locked
