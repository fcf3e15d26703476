// @ts-check
/**
 * The enterprise directory: USCC -> name, district, region, signed by the root (spec §15.4).
 * @module directory
 */
import * as cbor from './cbor.js';
import { toHex } from './bytes.js';
import { DocumentError } from './errors.js';
import { regionProblem, usccProblem } from './gbcodes.js';
import {
  DocumentType,
  checkClock,
  checkNotOlder,
  checkSignature,
  checkWindow,
  kidOf,
  lifetime,
  malformed,
  openDocument,
  sequenceNumber,
} from './document.js';

export const MAX_DIRECTORY_BYTES = 16 << 20;

/**
 * @typedef {object} Enterprise
 * @property {string} uscc
 * @property {string} name
 * @property {string} district
 * @property {string | null} region
 *
 * @typedef {object} Directory
 * @property {number} sequence
 * @property {number} issuedAt
 * @property {number} expiresAt
 * @property {Map<string, Enterprise>} enterprises by USCC, in document order
 */

/**
 * Verify (against the pinned root keys) and decode a directory; throw DocumentError.
 * @param {Uint8Array} data
 * @param {Uint8Array[]} roots
 * @param {{now: number, leeway?: number, minSequence?: number | null}} options
 * @returns {Promise<Directory>}
 */
export async function loadDirectory(data, roots, { now, leeway = 300, minSequence = null }) {
  checkClock(now, leeway);
  const opened = openDocument(data, { typ: DocumentType.DIRECTORY, maxBytes: MAX_DIRECTORY_BYTES, maxItems: 1000000 });
  let root;
  for (const candidate of roots) if (toHex(await kidOf(candidate)) === toHex(opened.kid)) root = candidate;
  if (root === undefined) throw new DocumentError('unknown_key', `signed by kid ${toHex(opened.kid)}, not a root key`);
  await checkSignature(opened, root);
  const directory = decode(opened.claims);
  checkWindow(directory.issuedAt, directory.expiresAt, now, leeway);
  checkNotOlder(directory.sequence, minSequence, 'sequence');
  return directory;
}

/** @param {Map<cbor.CborKey, unknown>} claims @returns {Directory} */
function decode(claims) {
  const labels = [...claims.keys()];
  if (labels.length !== 4 || ![4, 6, -1, -2].every((l) => claims.has(l))) {
    throw malformed('directory: claims must be exactly iat, exp, sequence (-1) and enterprises (-2)');
  }
  const entries = claims.get(-2);
  if (!Array.isArray(entries)) throw malformed('directory: enterprises (label -2) must be an array');
  const sequence = sequenceNumber(claims.get(-1), 'directory: sequence (label -1)');
  const [issuedAt, expiresAt] = lifetime(claims, 6, 4);
  /** @type {Map<string, Enterprise>} */
  const enterprises = new Map();
  entries.forEach((entry, n) => {
    const e = decodeEntry(entry, n);
    if (enterprises.has(e.uscc)) throw malformed('directory: two directory entries share a USCC');
    enterprises.set(e.uscc, e);
  });
  return { sequence, issuedAt, expiresAt, enterprises };
}

/** @param {unknown} entry @param {number} n @returns {Enterprise} */
function decodeEntry(entry, n) {
  if (!cbor.isMap(entry) || ![...entry.keys()].every((k) => [1, 2, 3, 4].includes(/** @type {number} */ (k)))) {
    throw malformed(`directory: enterprises[${n}] must be a map with labels 1..4`);
  }
  const [uscc, name, district, region] = [1, 2, 3, 4].map((l) => entry.get(l));
  if (typeof uscc !== 'string' || typeof name !== 'string' || typeof district !== 'string') {
    throw malformed(`directory: enterprises[${n}] uscc, name and district must be text`);
  }
  if (region !== undefined && region !== null && typeof region !== 'string') throw malformed(`directory: enterprises[${n}] region must be text`);
  const problem = usccProblem(uscc);
  if (problem !== null) throw malformed(`directory: enterprise ${JSON.stringify(uscc)}: uscc ${problem}`);
  if (typeof region === 'string' && regionProblem(region) !== null) {
    throw malformed(`directory: enterprise ${uscc}: region ${JSON.stringify(region)} is not a GB/T 2260 code`);
  }
  if (!name) throw malformed(`directory: enterprise ${uscc}: name is empty`);
  return { uscc, name, district, region: typeof region === 'string' ? region : null };
}
