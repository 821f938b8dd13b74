"""How assessments' events read in the activity log (registered in AssessmentsConfig.ready())."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse
from django.utils.translation import gettext as _

from assessments.models import Application
from assessments.permissions import visible_applications
from portfolio.activity import TargetLink
from portfolio.models import User


def describe_applications(reader: User, ids: Sequence[int]) -> dict[int, TargetLink]:
    """An application by what it applies for, linked to the page its reader may open."""
    applications = Application.objects.filter(pk__in=ids).select_related("micro_credential")
    openable = set(visible_applications(reader).filter(pk__in=ids).values_list("pk", flat=True))
    links = {}
    for application in applications:
        url = ""
        if application.learner_id == reader.pk:
            url = reverse("assessments:application-detail", args=[application.pk])
        elif application.pk in openable:
            url = reverse("assessments:review", args=[application.pk])
        links[application.pk] = TargetLink(
            name=_("Application for %(title)s") % {"title": application.micro_credential.title},
            url=url,
        )
    return links
