"""pyld (ours) and rdf-canonize (JavaScript) write the same canonical N-Quads, byte for byte.

On a corpus of awkward credentials (tests/interop/corpus.py). The one divergence is the known
one (standards digest §6.4): C0 control characters other than tab, newline and carriage return,
and DEL, which pyld writes raw and RDFC-1.0 escapes (`\\b`, `\\f`, `\\u00XX`). We never sign
them (proofs.sign strips them first), so what we sign agrees; a document signed elsewhere with
such a character in a string does not verify here (test_ours_verifies_js.py pins that).
"""

import pytest

from credentials.vc.canonical import canonicalize, strip_control_characters
from tests.interop import corpus

# Numbers as JSON writes them; both sides must type and write them alike (xsd:float here).
NUMBERS = [0, -3, 5, 5.5, 0.1, 1.0, 2.5e-7, 1e21, 2**53]


def js_nquads(js, documents):
    results = js.call("canonicalize", documents=documents)["results"]
    assert all("nquads" in result for result in results), results
    return [result["nquads"] for result in results]


def language_tagged():
    document = corpus.credential()
    document["name"] = [
        {"@value": "Datenanalyse", "@language": "de-AT"},
        {"@value": "Data analysis", "@language": "EN-gb"},
    ]
    return document


def test_awkward_text_canonicalizes_byte_for_byte_alike(js):
    documents = [corpus.credential(text) for text in corpus.AWKWARD_TEXTS.values()]

    theirs = js_nquads(js, documents)

    for name, document, expected in zip(corpus.AWKWARD_TEXTS, documents, theirs, strict=True):
        assert canonicalize(document) == expected, name
    # The corpus reached the canonical form: the long text, the emoji, a backslash escaped.
    assert any("🎓" in nquads for nquads in theirs)
    assert any("C:\\\\path" in nquads for nquads in theirs)
    assert max(len(nquads) for nquads in theirs) > 100_000


def test_numbers_booleans_and_language_tags_canonicalize_alike(js):
    documents = [corpus.credential(number=number) for number in NUMBERS]
    documents.append(corpus.credential(hashed=False))
    documents.append(language_tagged())

    theirs = js_nquads(js, documents)

    for document, expected in zip(documents, theirs, strict=True):
        assert canonicalize(document) == expected
    assert '"5.5E0"^^<https://www.w3.org/2001/XMLSchema#float>' in theirs[NUMBERS.index(5.5)]
    assert '"false"^^<https://www.w3.org/2001/XMLSchema#boolean>' in theirs[len(NUMBERS)]
    # Both lower-case language tags (JSON-LD 1.1 toRDF).
    assert '<https://schema.org/name> "Datenanalyse"@de-at .' in theirs[-1]
    assert '<https://schema.org/name> "Data analysis"@en-gb .' in theirs[-1]


@pytest.mark.parametrize("name", list(corpus.CONTROL_TEXTS))
def test_control_characters_diverge_unless_stripped_as_we_do_before_signing(js, name):
    document = corpus.credential(corpus.CONTROL_TEXTS[name])
    stripped = strip_control_characters(document)

    raw_theirs, stripped_theirs = js_nquads(js, [document, stripped])

    # The known pitfall: pyld writes the character raw, RDFC-1.0 escapes it.
    assert canonicalize(document, strict=True) != raw_theirs
    assert "\\u00" in raw_theirs or "\\b" in raw_theirs or "\\f" in raw_theirs
    # What we sign has none of them, and there both sides agree.
    assert canonicalize(stripped) == stripped_theirs
    assert "beforeafter" in stripped_theirs or "Page onePage two" in stripped_theirs


def test_integers_beyond_double_precision_diverge_in_json_parsing_not_canonicalization(js):
    # JavaScript's JSON.parse rounds 2**64 + 1 to a double before any JSON-LD runs; Python keeps
    # the integer. No credential of ours has such a number (creditsAvailable is small).
    document = corpus.credential(number=2**64 + 1)

    (theirs,) = js_nquads(js, [document])

    assert '"18446744073709551617"' in canonicalize(document)
    assert '"18446744073709551616"' in theirs
