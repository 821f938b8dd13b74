"""Output shapes of the portfolio API. Serializers only describe data; they never write."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from portfolio.models import EvidenceItem, Skill


class SkillOutputSerializer(serializers.ModelSerializer[Skill]):
    class Meta:
        model = Skill
        fields = ["name", "slug"]


class EvidenceOutputSerializer(serializers.ModelSerializer[EvidenceItem]):
    skills = SkillOutputSerializer(many=True, read_only=True)
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceItem
        fields = [
            "id",
            "kind",
            "title",
            "description",
            "work_done_on",
            "skills",
            "url",
            "body",
            "is_public",
            "file_url",
            "created_at",
        ]
        read_only_fields = fields

    def get_file_url(self, item: EvidenceItem) -> str | None:
        """The permission-checked file view; stored files have no URL of their own."""
        if not item.file:
            return None
        path = reverse("portfolio:evidence-file", args=[item.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path
