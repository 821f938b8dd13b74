"""factory-boy factories shared by every test module."""

import io
from datetime import date

import factory
import pikepdf
from django.core.files.base import ContentFile
from PIL import Image

from portfolio.models import EvidenceItem, LearnerProfile, Skill, SkillFramework, User

TEST_PASSWORD = "correct-horse-battery-staple"


def png_bytes(size=(64, 48), colour=(31, 78, 121)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def pdf_bytes(title="Report") -> bytes:
    """A real one-page PDF: uploads are parsed and rewritten by qpdf, so stand-ins will not do."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    pdf.docinfo["/Title"] = title
    buffer = io.BytesIO()
    pdf.save(buffer, static_id=True)
    return buffer.getvalue()


def webp_bytes(size=(32, 24), colour=(31, 78, 121)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="WEBP")
    return buffer.getvalue()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    role = User.Role.LEARNER
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def with_profile(obj, create, extracted, **kwargs):
        obj.save()
        if create and extracted is not False and obj.role == User.Role.LEARNER:
            LearnerProfileFactory(user=obj)

    class Params:
        assessor = factory.Trait(role=User.Role.ASSESSOR)
        employer = factory.Trait(role=User.Role.EMPLOYER)
        issuer_staff = factory.Trait(role=User.Role.ISSUER_STAFF, is_staff=True)


class LearnerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearnerProfile
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory)
    display_name = factory.Sequence(lambda n: f"Learner {n}")
    slug = factory.Sequence(lambda n: f"learner-{n}")
    headline = "Data analyst in training"

    class Params:
        public = factory.Trait(is_public=True)


class SkillFrameworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SkillFramework
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Framework {n}")
    slug = factory.Sequence(lambda n: f"framework-{n}")


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill

    framework = factory.SubFactory(SkillFrameworkFactory)
    name = factory.Sequence(lambda n: f"Skill {n}")
    slug = factory.Sequence(lambda n: f"skill-{n}")


class EvidenceItemFactory(factory.django.DjangoModelFactory):
    """A reflection by default; traits make the other kinds with real stored content."""

    class Meta:
        model = EvidenceItem

    owner = factory.SubFactory(UserFactory)
    kind = EvidenceItem.Kind.REFLECTION
    title = factory.Sequence(lambda n: f"Evidence {n}")
    description = "What I did and why it matters."
    work_done_on = date(2026, 3, 14)
    body = "I **learned** a great deal."

    class Params:
        public = factory.Trait(is_public=True)
        link = factory.Trait(
            kind=EvidenceItem.Kind.LINK, body="", url="https://example.org/my-work"
        )
        image = factory.Trait(
            kind=EvidenceItem.Kind.IMAGE,
            body="",
            file=factory.LazyFunction(lambda: ContentFile(png_bytes(), name="photo.png")),
            # Real thumbnails are always WebP (portfolio.uploads.process_image).
            thumbnail=factory.LazyFunction(lambda: ContentFile(webp_bytes(), name="thumb.webp")),
            content_type="image/png",
            original_filename="photo.png",
        )
        pdf = factory.Trait(
            kind=EvidenceItem.Kind.FILE,
            body="",
            file=factory.LazyFunction(lambda: ContentFile(pdf_bytes(), name="report.pdf")),
            content_type="application/pdf",
            original_filename="report.pdf",
        )


class IssuerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "credentials.Issuer"
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Institute {n}")
    slug = factory.Sequence(lambda n: f"institute-{n}")
    url = "https://institute.example.org"
    email = "credentials@institute.example.org"


class MicroCredentialFactory(factory.django.DjangoModelFactory):
    """A published micro-credential with a two-criterion rubric (not yet / meets / exceeds,
    'meets' required) and, through the `assessors` argument, assigned assessors."""

    class Meta:
        model = "credentials.MicroCredential"
        skip_postgeneration_save = True

    issuer = factory.SubFactory(IssuerFactory)
    title = factory.Sequence(lambda n: f"Data Storytelling {n}")
    slug = factory.Sequence(lambda n: f"data-storytelling-{n}")
    summary = "Communicate findings from data clearly."
    description = "Learners show they can turn analysis into a clear narrative."
    criteria = "Present a data-driven story to a non-specialist audience."
    estimated_hours = 12
    learning_outcomes = "- Tell a story with data to people who are not analysts."
    assessment_type = "portfolio"
    participation = "online"
    quality_assurance = "Reviewed yearly by the institute's assessment board."
    status = "published"

    @factory.post_generation
    def rubric(obj, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        from credentials.models import RubricCriterion, RubricLevel

        for position, title in enumerate(extracted or ["Clarity", "Use of evidence"], start=1):
            criterion = RubricCriterion.objects.create(
                micro_credential=obj,
                position=position,
                title=title,
                description=f"{title} of the work.",
            )
            levels = [
                RubricLevel.objects.create(criterion=criterion, position=p, name=name)
                for p, name in enumerate(["Not yet", "Meets", "Exceeds"], start=1)
            ]
            criterion.required_level = levels[1]
            criterion.save(update_fields=["required_level"])

    @factory.post_generation
    def assessors(obj, create, extracted, **kwargs):
        if create and extracted:
            # As in the admin, only the issuer's own assessors are assigned.
            obj.issuer.assessors.add(*extracted)
            obj.assessors.set(extracted)
