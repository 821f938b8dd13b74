"""The verifier's API: POST a credential, get each step and the verdict as JSON."""

from __future__ import annotations

from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from credentials.vc.baking import BakingError, NotBakedError
from credentials.vc.verification import (
    credential_from_file,
    describe_size,
    max_input_bytes,
    verify_credential_text,
)

# The body is the credential itself, read as bytes by the verifier (its JSON step reports
# what is wrong with it), so these media types are not parsed by DRF.
CREDENTIAL_MEDIA_TYPES = (
    "application/json",
    "application/ld+json",
    "application/vc+ld+json",
    "application/vc",
)
MULTIPART = "multipart/form-data"


def _refusal(code: str, detail: str, status_code: int) -> Response:
    return Response({"code": code, "detail": detail}, status=status_code)


class VerifyCredentialApi(APIView):
    """POST: verify a credential; the body is its JSON, or a multipart form with `file` (a
    JSON file, or a baked badge image, PNG or SVG).

    Answers 200 with the result (credentials.vc.verification.CredentialVerification.as_json)
    whatever the credential is, a malformed one included: the verdict says so. Refuses with
    {"code", "detail"}: 413 over VERIFY_MAX_BYTES (before reading the body), 415 for another
    media type, 400 for a form without a file or with an image that carries no credential.
    Open to anyone: it reads nothing private.
    """

    permission_classes = [AllowAny]
    # Multipart only: JSON bodies are read raw (CREDENTIAL_MEDIA_TYPES), never parsed by DRF.
    parser_classes = [MultiPartParser]

    def post(self, request: Request) -> Response:
        limit = max_input_bytes()
        length = _content_length(request)
        # A multipart body has a boundary and headers around the file: a little slack.
        if length > limit + (4096 if _media_type(request) == MULTIPART else 0):
            return _refusal(
                "too_large",
                f"The credential is {describe_size(length)}; this verifier reads up to "
                f"{describe_size(limit)}.",
                status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        media_type = _media_type(request)
        if media_type in CREDENTIAL_MEDIA_TYPES:
            content: str | bytes = request.body
        elif media_type == MULTIPART:
            upload = request.FILES.get("file")
            if upload is None:
                return _refusal(
                    "no_file",
                    "Send the credential as the form's `file` field, or as the request body "
                    "with Content-Type: application/json.",
                    status.HTTP_400_BAD_REQUEST,
                )
            if (upload.size or 0) > limit:
                return _refusal(
                    "too_large",
                    f"The credential is {describe_size(upload.size or 0)}; this verifier "
                    f"reads up to {describe_size(limit)}.",
                    status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                )
            try:
                content = credential_from_file(b"".join(upload.chunks()))
            except NotBakedError as error:
                return _refusal("not_baked", str(error), status.HTTP_400_BAD_REQUEST)
            except BakingError as error:
                return _refusal("unreadable_image", str(error), status.HTTP_400_BAD_REQUEST)
        else:
            return _refusal(
                "unsupported_media_type",
                "Send the credential as the body with Content-Type: application/json (or "
                f"{', '.join(CREDENTIAL_MEDIA_TYPES[1:])}), or as a multipart form's `file`.",
                status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            )
        return Response(verify_credential_text(content).as_json())


def _media_type(request: Request) -> str:
    return request.content_type.split(";", 1)[0].strip().lower()


def _content_length(request: Request) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0
