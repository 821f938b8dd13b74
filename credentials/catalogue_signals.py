"""Make the cached pages that show the catalogue stale when the catalogue changes.

Issuers, micro-credentials (with their skills and rubric) and skills are edited in the admin,
which saves the rows directly and records no event, so credentials.page_cache cannot follow
them through subscribers as it follows a learner's changes. Their saves and deletions are
followed here instead, after commit (told earlier, a request between the two could cache a
page as it was before the change, under the new version). Connected from
CredentialsConfig.ready().
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from credentials import page_cache
from credentials.models import Issuer, MicroCredential, RubricCriterion, RubricLevel
from portfolio.models import Skill

CATALOGUE_MODELS = (Issuer, MicroCredential, RubricCriterion, RubricLevel, Skill)


def forget_catalogue(sender: type[Any], **kwargs: Any) -> None:
    transaction.on_commit(page_cache.forget_catalogue)


def connect_catalogue_signals() -> None:
    for model in CATALOGUE_MODELS:
        post_save.connect(forget_catalogue, sender=model, dispatch_uid=f"catalogue-save-{model}")
        post_delete.connect(
            forget_catalogue, sender=model, dispatch_uid=f"catalogue-delete-{model}"
        )
    m2m_changed.connect(
        forget_catalogue,
        sender=MicroCredential.skills.through,
        dispatch_uid="catalogue-skills",
    )
