"""A signed credential as a VC-JWT (W3C VC-JOSE-COSE §3.1.1), for verifiers that take JOSE.

    token = encode_vc_jwt(credential_without_proof, signer=signer_for(issuer))

The payload is the credential itself (VC Data Model 2.0: no `vc` claim wrapping it, as VC 1.1
JWTs had), without its embedded proof: the JWS secures it instead. The protected header is
`alg: EdDSA` (Ed25519, RFC 8037), `typ: vc+jwt`, and `kid`, the absolute DID URL of the key
that signed, which the issuer's DID document lists under assertionMethod, so a verifier
resolves the key exactly as it does for the Data Integrity proof.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping

from credentials.vc.canonical import JsonValue
from credentials.vc.identity import Signer

MEDIA_TYPE = "application/vc+jwt"
ALGORITHM = "EdDSA"
TYPE = "vc+jwt"


def _base64url(data: bytes) -> str:
    # JWS uses base64url without padding (RFC 7515 §2).
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json(value: Mapping[str, JsonValue]) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def encode_vc_jwt(credential: Mapping[str, JsonValue], *, signer: Signer) -> str:
    """The compact JWS of `credential` (its `proof`, if any, left out), signed by `signer`."""
    payload = {key: value for key, value in credential.items() if key != "proof"}
    header = {"alg": ALGORITHM, "kid": signer.verification_method, "typ": TYPE}
    signing_input = f"{_base64url(_json(header))}.{_base64url(_json(payload))}"
    signature = signer.private_key.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{_base64url(signature)}"
