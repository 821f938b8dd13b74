"""schema.org JSON-LD for public pages, safe to put inside a <script> element."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from django.utils.safestring import SafeString, mark_safe

from credentials.models import IssuedCredential
from credentials.selectors.portfolio_page import PublicPortfolio

# What json_script escapes: with these, no text a learner writes ("</script>", "<!--")
# can end the element or change how the HTML parser reads it.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def json_for_script(data: Mapping[str, object]) -> SafeString:
    """JSON text to put between <script type="application/ld+json"> and </script>."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True).translate(_SCRIPT_ESCAPES)
    # U+2028 and U+2029 are valid JSON but end a line in older JavaScript parsers.
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return mark_safe(text)  # noqa: S308  # every character that matters in HTML is escaped


def person_json_ld(
    portfolio: PublicPortfolio,
    *,
    page_url: str,
    image_url: str,
    credential_url: Callable[[IssuedCredential], str],
) -> SafeString:
    """A schema.org Person for a public portfolio: name, links, skills and credentials.

    Only what the page itself shows: the verified skills as knowsAbout, and the valid
    credentials as hasCredential, each linking to its own page for checking.
    """
    profile = portfolio.profile
    person: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "Person",
        "name": profile.display_name,
        "url": page_url,
        "description": portfolio.description,
    }
    if profile.headline:
        person["jobTitle"] = profile.headline
    if image_url:
        person["image"] = image_url
    if profile.location:
        person["homeLocation"] = {"@type": "Place", "name": profile.location}
    if portfolio.links:
        person["sameAs"] = [link.url for link in portfolio.links]
    if portfolio.verified_skills:
        person["knowsAbout"] = [shown.skill.name for shown in portfolio.verified_skills]
    valid = [
        shown.credential
        for shown in portfolio.credentials
        if shown.status == IssuedCredential.Status.VALID
    ]
    if valid:
        person["hasCredential"] = [
            {
                "@type": "EducationalOccupationalCredential",
                "name": credential.micro_credential.title,
                "credentialCategory": "Micro-credential",
                "url": credential_url(credential),
                "recognizedBy": {
                    "@type": "Organization",
                    "name": credential.issuer.name,
                    **({"url": credential.issuer.url} if credential.issuer.url else {}),
                },
                "dateCreated": credential.issued_at.date().isoformat(),
                **(
                    {"expires": credential.expires_at.date().isoformat()}
                    if credential.expires_at
                    else {}
                ),
            }
            for credential in valid
        ]
    return json_for_script(person)
