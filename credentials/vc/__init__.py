"""Verifiable credentials: the signing and identity layer the credential formats build on.

- contexts: the bundled JSON-LD contexts and the only document loader (never fetches).
- canonical: RDFC-1.0 canonical N-Quads, control-character stripping, JSON-LD safe mode.
- proofs: eddsa-rdfc-2022 Data Integrity `sign` and `verify` (a result naming the failed step).
- keys: Ed25519 keys, encrypted at rest with UNBUNDLED_SIGNING_SECRET.
- identity: did:web / did:key identifiers, DID documents, `signer_for(issuer)`, and the
  resolver for our own keys.
- multibase: base58btc and Ed25519 Multikey encoding.

Keys are made and rotated by services (credentials.services.generate_signing_key,
rotate_signing_key) and `manage.py signing_keys`.
"""
