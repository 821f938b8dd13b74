"""Writes to learner profiles."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from portfolio.models import LearnerProfile, User


def _unique_slug(base: str) -> str:
    root = slugify(base)[:70] or "learner"
    candidate, n = root, 1
    while LearnerProfile.objects.filter(slug=candidate).exists():
        n += 1
        candidate = f"{root}-{n}"
    return candidate


def ensure_profile(*, user: User, display_name: str = "") -> LearnerProfile:
    """The learner's profile, created private on first call. Idempotent."""
    existing = LearnerProfile.objects.filter(user=user).first()
    if existing is not None:
        return existing
    name = display_name or user.get_full_name() or user.email.split("@")[0]
    # Two concurrent sign-ups can pick the same slug; the unique index decides and we retry.
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return LearnerProfile.objects.create(
                    user=user, display_name=name, slug=_unique_slug(name)
                )
        except IntegrityError:
            existing = LearnerProfile.objects.filter(user=user).first()
            if existing is not None:
                return existing
    raise RuntimeError("Could not allocate a unique profile slug.")
