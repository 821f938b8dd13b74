#!/usr/bin/env node
// Digital Bazaar's JavaScript VC stack, as an independent implementation for the Python tests
// (tests/interop/) and benchmarks/signing.py. Nothing here touches the internet: contexts come
// from the repository's credentials/vc/context_files/ (checked against the manifest's SHA-256),
// did:key documents are built locally, other DID documents are passed in, and documents of our
// own site are fetched only from a loopback origin (see `site` below).
//
//   node vc.mjs canonicalize  < {"documents": [doc, ...]}
//       -> {"results": [{"nquads": "..."} | {"error": "..."}, ...]}
//   node vc.mjs sign          < {"credential", "seed" (hex, 32 bytes), "verificationMethod",
//                                "created"?}
//       -> the signed credential
//   node vc.mjs sign2020      < as sign, with an Ed25519Signature2020 proof instead
//       -> the signed credential
//   node vc.mjs verify        < {"credential", "didDocuments"?: [...], "site"?: {...},
//                                "now"?, "ignoreStatus"?}
//       -> {"verified": bool, "errors": ["..."]}
//   node vc.mjs verifyClr     < {"credential": a ClrCredential, ...as verify}
//       -> {"verified": bool, "errors": ["..."], "credentials": [verify's answer for each
//          credential in credentialSubject.verifiableCredential, in order]}
//   node vc.mjs verifyJwt     < {"jwt": a compact JWS, "didDocuments"?, "site"?}
//       -> {"verified": bool, "errors": ["..."], "header", "controller" (of the kid's key),
//          "payload"}: checked by the `jose` library with the key its `kid` resolves to
//   node vc.mjs bench         < {"operation": "sign"|"verify", "count", ...as sign/verify}
//       -> {"seconds": total time of `count` operations}
//   node vc.mjs serve         one JSON request a line on stdin ({"command": ..., ...}), one JSON
//                             answer a line on stdout: for many calls without Node's start-up.
//
// `site`: {"url": "https://our.site.example", "origin": "http://127.0.0.1:8000"} maps our site's
// URLs (and its did:web identifiers) onto a server on loopback; any other origin is refused.
import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {Ed25519VerificationKey2020} from '@digitalbazaar/ed25519-verification-key-2020';
import jsonld from 'jsonld';
import * as rdfCanonize from 'rdf-canonize';

const HERE = dirname(fileURLToPath(import.meta.url));
const CONTEXT_FILES = join(HERE, '..', '..', 'credentials', 'vc', 'context_files');
const DID_V1 = 'https://www.w3.org/ns/did/v1';
const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function loadContexts() {
  const manifest = JSON.parse(readFileSync(join(CONTEXT_FILES, 'manifest.json'), 'utf8'));
  const contexts = new Map();
  for(const [url, entry] of Object.entries(manifest)) {
    const raw = readFileSync(join(CONTEXT_FILES, entry.file));
    const digest = createHash('sha256').update(raw).digest('hex');
    if(digest !== entry.sha256) {
      throw new Error(`${entry.file} does not match its pinned SHA-256`);
    }
    contexts.set(url, JSON.parse(raw.toString('utf8')));
  }
  return contexts;
}

const CONTEXTS = loadContexts();

function didKeyDocument(did) {
  const multibase = did.slice('did:key:'.length);
  const id = `${did}#${multibase}`;
  return {
    '@context': [DID_V1, MULTIKEY_V1],
    id: did,
    verificationMethod: [{id, type: 'Multikey', controller: did, publicKeyMultibase: multibase}],
    assertionMethod: [id],
    authentication: [id],
  };
}

function checkedOrigin(origin) {
  const parsed = new URL(origin);
  if(!LOOPBACK_HOSTS.has(parsed.hostname)) {
    throw new Error(`Only loopback origins may be fetched, not ${origin}`);
  }
  return parsed.origin;
}

// The URL on our site (mapped onto the loopback origin) where a did:web document lives.
function didWebUrl(did, site) {
  const host = new URL(site.url).host;
  const parts = did.slice('did:web:'.length).split(':').map(decodeURIComponent);
  if(parts[0] !== host) {
    return null;
  }
  const path = parts.length === 1 ? '/.well-known/did.json' : `/${parts.slice(1).join('/')}/did.json`;
  return checkedOrigin(site.origin) + path;
}

function siteUrl(url, site) {
  const base = new URL(site.url);
  const parsed = new URL(url);
  if(parsed.origin !== base.origin) {
    return null;
  }
  return checkedOrigin(site.origin) + parsed.pathname + parsed.search;
}

async function fetchJson(url) {
  const response = await fetch(url, {headers: {Accept: 'application/did+json, application/json'}});
  if(!response.ok) {
    throw new Error(`${url} answered ${response.status}`);
  }
  return response.json();
}

// A jsonld.js document loader over the bundled contexts, DID documents and (optionally) our
// site on loopback. Throws for anything else: nothing is fetched from elsewhere.
export function makeDocumentLoader({didDocuments = [], site = null} = {}) {
  const known = new Map(didDocuments.map(document => [document.id, document]));
  async function didDocument(did) {
    if(known.has(did)) {
      return known.get(did);
    }
    if(did.startsWith('did:key:')) {
      return didKeyDocument(did);
    }
    if(site && did.startsWith('did:web:')) {
      const url = didWebUrl(did, site);
      if(url) {
        const document = await fetchJson(url);
        known.set(did, document);
        return document;
      }
    }
    throw new Error(`Cannot resolve ${did} here (no network)`);
  }
  return async function documentLoader(url) {
    if(CONTEXTS.has(url)) {
      return {contextUrl: null, documentUrl: url, document: CONTEXTS.get(url)};
    }
    if(url.startsWith('did:')) {
      const [did, fragment] = url.split('#');
      const document = await didDocument(did);
      if(fragment === undefined) {
        return {contextUrl: null, documentUrl: url, document};
      }
      const method = (document.verificationMethod || []).find(
        item => item.id === url || item.id === `#${fragment}`);
      if(!method) {
        throw new Error(`${did} has no verification method #${fragment}`);
      }
      return {
        contextUrl: null,
        documentUrl: url,
        document: {'@context': MULTIKEY_V1, ...method, id: url},
      };
    }
    if(site) {
      const mapped = siteUrl(url, site);
      if(mapped) {
        return {contextUrl: null, documentUrl: url, document: await fetchJson(mapped)};
      }
    }
    throw new Error(`Document loader refuses ${url}: not bundled, not local`);
  };
}

// Exactly what the eddsa-rdfc-2022 cryptosuite hashes (its canonize.js): jsonld.js toRDF in
// safe mode, then rdf-canonize RDFC-1.0.
export async function canonicalize(document, documentLoader = makeDocumentLoader()) {
  const options = {
    algorithm: 'RDFC-1.0', format: 'application/n-quads', base: null, safe: true, documentLoader,
  };
  const dataset = await jsonld.toRDF(document, {
    rdfDirection: 'i18n-datatype', ...options, produceGeneralizedRdf: false, format: undefined,
  });
  return rdfCanonize.canonize(dataset, options);
}

async function signer(request) {
  const seed = Uint8Array.from(Buffer.from(request.seed, 'hex'));
  const key = await Ed25519Multikey.generate({seed});
  const keySigner = key.signer();
  keySigner.id = request.verificationMethod;
  return keySigner;
}

export async function sign(request, keySigner = null) {
  const suite = new DataIntegrityProof({
    signer: keySigner || await signer(request),
    date: request.created,
    cryptosuite: eddsaRdfc2022CryptoSuite,
  });
  return vc.issue({
    credential: structuredClone(request.credential),
    suite,
    documentLoader: makeDocumentLoader(request),
  });
}

// The legacy suite (Ed25519Signature2020), which wallets issued before eddsa-rdfc-2022: we
// never sign with it, but our verifier must accept it (tests/interop/js_fixture.py).
export async function sign2020(request) {
  const seed = Uint8Array.from(Buffer.from(request.seed, 'hex'));
  const key = await Ed25519VerificationKey2020.generate({seed});
  key.id = request.verificationMethod;
  const suite = new Ed25519Signature2020({key, date: request.created});
  return vc.issue({
    credential: structuredClone(request.credential),
    suite,
    documentLoader: makeDocumentLoader(request),
  });
}

function errorMessages(result) {
  const errors = [];
  const collect = error => {
    if(!error) {
      return;
    }
    if(Array.isArray(error)) {
      error.forEach(collect);
      return;
    }
    errors.push(String(error.message || error));
    if(error.errors) {
      collect(error.errors);
    }
  };
  collect(result.error);
  for(const item of result.results || []) {
    collect(item.error);
  }
  return [...new Set(errors)];
}

export async function verify(request, documentLoader = null) {
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});
  const options = {
    credential: request.credential,
    suite,
    documentLoader: documentLoader || makeDocumentLoader(request),
  };
  if(request.now) {
    options.now = request.now;
  }
  if(request.ignoreStatus) {
    options.checkStatus = async () => ({verified: true});
  } else {
    // The status list credential is fetched through the same loader (bundled contexts, our
    // site on loopback only) and its own proof verified with the same suite.
    options.checkStatus = async ({credential}) => checkStatus({
      credential, documentLoader: options.documentLoader, suite,
      verifyBitstringStatusListCredential: true, verifyMatchingIssuers: true,
    });
  }
  const result = await vc.verifyCredential(options);
  const outcome = {verified: result.verified === true, errors: errorMessages(result)};
  // A verified status check still says whether the bit is set: revocation is the caller's
  // to act on (vc.verifyCredential does not fail on it).
  const statuses = result.statusResult?.results;
  if(!request.ignoreStatus && Array.isArray(statuses)) {
    outcome.revoked = statuses.some(entry => entry.status === true);
  }
  return outcome;
}

// CLR 2.0 (standards digest §2): the record's own proof first, then each credential it holds,
// independently, with its own proof and status; the record verifies only if all of them do.
export async function verifyClr(request) {
  const documentLoader = makeDocumentLoader(request);
  const record = await verify(request, documentLoader);
  const held = request.credential?.credentialSubject?.verifiableCredential;
  const inner = Array.isArray(held) ? held : (held ? [held] : []);
  const credentials = [];
  for(const credential of inner) {
    credentials.push(await verify({...request, credential}, documentLoader));
  }
  const errors = [...record.errors];
  if(inner.length === 0) {
    errors.push('The record holds no credential.');
  }
  const verified = record.verified && inner.length > 0 &&
    credentials.every(result => result.verified && !result.revoked);
  return {verified, errors, credentials};
}

// A VC-JWT (VC-JOSE-COSE) checked by `jose`, an implementation independent of ours and of
// Digital Bazaar's signature code; only the kid's Multikey is turned into a JWK here.
export async function verifyJwt(request) {
  const jose = await import('jose');
  const header = jose.decodeProtectedHeader(request.jwt);
  const {document: method} = await makeDocumentLoader(request)(header.kid);
  const keyPair = await Ed25519Multikey.from(method);
  const key = await jose.importJWK(
    {...await Ed25519Multikey.toJwk({keyPair}), alg: 'EdDSA'}, 'EdDSA');
  const outcome = {verified: false, errors: [], header, controller: method.controller};
  try {
    const {payload} = await jose.compactVerify(request.jwt, key, {algorithms: ['EdDSA']});
    outcome.payload = JSON.parse(new TextDecoder().decode(payload));
    outcome.verified = true;
  } catch(error) {
    outcome.errors.push(String(error.message || error));
  }
  return outcome;
}

async function bench(request) {
  const count = request.count;
  let seconds;
  if(request.operation === 'sign') {
    const keySigner = await signer(request);
    const started = process.hrtime.bigint();
    for(let i = 0; i < count; i++) {
      await sign(request, keySigner);
    }
    seconds = Number(process.hrtime.bigint() - started) / 1e9;
  } else if(request.operation === 'verify') {
    const documentLoader = makeDocumentLoader(request);
    const started = process.hrtime.bigint();
    for(let i = 0; i < count; i++) {
      const result = await verify(request, documentLoader);
      if(!result.verified) {
        throw new Error(`verification failed: ${result.errors.join('; ')}`);
      }
    }
    seconds = Number(process.hrtime.bigint() - started) / 1e9;
  } else {
    throw new Error(`Unknown bench operation ${request.operation}`);
  }
  return {seconds};
}

async function canonicalizeAll(request) {
  const documentLoader = makeDocumentLoader(request);
  const results = [];
  for(const document of request.documents) {
    try {
      results.push({nquads: await canonicalize(document, documentLoader)});
    } catch(error) {
      results.push({error: String(error.message || error)});
    }
  }
  return {results};
}

const COMMANDS = {
  canonicalize: canonicalizeAll, sign, sign2020, verify, verifyClr, verifyJwt, bench,
};

async function answer(command, request) {
  const handler = COMMANDS[command];
  if(!handler) {
    throw new Error(`Unknown command ${command}; one of ${Object.keys(COMMANDS).join(', ')}`);
  }
  return handler(request);
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function serve() {
  const {createInterface} = await import('node:readline');
  const lines = createInterface({input: process.stdin, crlfDelay: Infinity});
  for await (const line of lines) {
    if(!line.trim()) {
      continue;
    }
    let reply;
    try {
      const request = JSON.parse(line);
      reply = {ok: true, result: await answer(request.command, request)};
    } catch(error) {
      reply = {ok: false, error: String(error.stack || error)};
    }
    process.stdout.write(JSON.stringify(reply) + '\n');
  }
}

async function main() {
  const command = process.argv[2];
  if(command === 'serve') {
    await serve();
    return;
  }
  const request = JSON.parse(await readStdin());
  process.stdout.write(JSON.stringify(await answer(command, request)) + '\n');
}

main().catch(error => {
  process.stderr.write(String(error.stack || error) + '\n');
  process.exit(1);
});
