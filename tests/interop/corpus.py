"""Credentials with awkward text, for comparing our canonical N-Quads and proofs with JavaScript's.

The key is 1EdTech's published test key (tests/credentials/vc_vectors), not a secret.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

SEED = "6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4"
MULTIKEY = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
DID_KEY = f"did:key:{MULTIKEY}"
DID_KEY_METHOD = f"{DID_KEY}#{MULTIKEY}"
CREATED = datetime(2026, 1, 15, 10, 0, 0, tzinfo=UTC)
CREATED_TEXT = "2026-01-15T10:00:00Z"

# The C0 control characters (and DEL) whose N-Quads escaping differs between pyld and RDFC-1.0:
# everything below U+0020 but tab, newline and carriage return.
DIVERGENT_CONTROLS = [chr(code) for code in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]]
DIVERGENT_CONTROLS.append("\x7f")

# Text both implementations must write byte for byte alike (no divergent control character).
AWKWARD_TEXTS: dict[str, str] = {
    "plain": "Data analysis",
    "double quotes": 'He said "fine" and left',
    "backslashes": "C:\\path\\to \\\\ and a trailing \\",
    "escape lookalikes": '\\n \\t \\u0041 \\" literally',
    "newlines": "first line\nsecond line\n\nfourth\n",
    "carriage returns": "windows\r\nline\rendings",
    "tabs": "col1\tcol2\t\tcol4",
    "latin": "Öffentliche Straße, café, naïve, Ærø",
    "cjk and rtl": "数据分析 — データ分析 — تحليل البيانات — ניתוח נתונים",
    "emoji": "🎓 graduate 👩🏽‍🔬 scientist 🏳️‍🌈 flag",
    "astral plane": "\U0001d518\U0001d52b\U0001d51f \U00010348 \U0001d11e",
    "combining marks": "e\u0301 vs \u00e9, A\u030a",
    "zero width and bom": "zero\u200bwidth\u200djoiner\ufeffbom",
    "line and paragraph separators": "a\u2028b\u2029c\u0085d",
    "nbsp and spaces": "\u00a0lead and trail\u00a0 ",
    "empty": "",
    "only whitespace": " \t\n ",
    "very long": ('Lorem ipsum dolor sit amet, ünïcödé "quoted" \\ ' * 2000),
    "markdown": "# Title\n\n* item `code` **bold** <b>html</b> &amp; [link](https://e.org)",
    "private use and noncharacter": "\ue000 \uffff \U0010fffd",
}

# Text with the C0 characters that pyld and rdf-canonize escape differently.
CONTROL_TEXTS: dict[str, str] = {
    f"U+{ord(character):04X}": f"before{character}after" for character in DIVERGENT_CONTROLS
}
CONTROL_TEXTS["form feed from a word processor"] = "Page one\fPage two\x0bvertical tab\x1fend"


def private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(SEED))


def credential(
    text: str = "Data analysis",
    *,
    issuer: str = DID_KEY,
    number: Any = 5,  # any JSON number
    hashed: bool = True,
) -> dict[str, Any]:
    """An OB 3.0 credential with `text` in every free-text field (names, description, narrative)."""
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
        ],
        "id": "https://badges.example.org/c/0d1b9a1e-5d55-4c3e-a0f1-7b2b6cf0b0a4/",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": f"Issuer {text}"},
        "validFrom": "2026-01-15T10:00:00Z",
        "validUntil": "2099-01-15T10:00:00Z",
        "name": text,
        "description": text,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": hashed,
                    "salt": "s4lt",
                    "identityHash": "sha256$" + "ab" * 32,
                }
            ],
            "achievement": {
                "id": "https://badges.example.org/credentials/data-analysis/",
                "type": ["Achievement"],
                "name": text,
                "description": f"{text}!",
                "criteria": {"narrative": text},
                "achievementType": "MicroCredential",
                "creditsAvailable": number,
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": text,
                        "targetUrl": "https://esco.example.org/skill/42",
                    }
                ],
            },
            "result": [{"type": ["Result"], "value": text}],
        },
        "evidence": [{"type": ["Evidence"], "name": text, "narrative": f"{text}?"}],
        "credentialSchema": [
            {
                "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
                "type": "1EdTechJsonSchemaValidator2019",
            }
        ],
    }
