"""Links a holder uses to share a credential elsewhere."""

from __future__ import annotations

from urllib.parse import urlencode

from django.utils import timezone

from credentials.models import IssuedCredential

LINKEDIN_ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


def make_linkedin_add_to_profile_url(*, credential: IssuedCredential, credential_url: str) -> str:
    """LinkedIn's "Add to profile" link, with the certification's fields filled in.

    LinkedIn's Add to Profile for certifications reads these query parameters; the holder
    still confirms on LinkedIn, so nothing is added without them. Reads the credential's
    micro-credential and issuer, so select them with it.
    """
    issued_on = timezone.localtime(credential.issued_at)
    parameters = {
        "startTask": "CERTIFICATION_NAME",
        "name": credential.micro_credential.title,
        "organizationName": credential.issuer.name,
        "issueYear": issued_on.year,
        "issueMonth": issued_on.month,
    }
    if credential.expires_at is not None:
        expires_on = timezone.localtime(credential.expires_at)
        parameters |= {"expirationYear": expires_on.year, "expirationMonth": expires_on.month}
    parameters |= {"certUrl": credential_url, "certId": str(credential.public_id)}
    return f"{LINKEDIN_ADD_TO_PROFILE}?{urlencode(parameters)}"
