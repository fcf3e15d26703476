// @ts-check
/**
 * Ed25519 signature checks (RFC 8032, spec §8).
 *
 * WebCrypto does the work where the browser has Ed25519 (Chrome 137, Safari 17, Firefox
 * 129 and later).  Elsewhere a vendored pure-JS implementation is used: the point
 * arithmetic of @noble/ed25519 (vendor/noble-ed25519, pinned, MIT) driven by this module
 * with the acceptance rule of the reference implementation (OpenSSL, as pyca/cryptography
 * uses it), which is the cofactorless RFC 8032 §5.1.7 check on bytes:
 *
 *   - S is refused unless S < L (a non-canonical S never verifies);
 *   - A is decoded strictly (y < p; x = 0 with the sign bit set is refused);
 *   - k = SHA-512(R ‖ A ‖ M) mod L; the encoding of [S]B − [k]A must equal the 32 bytes R
 *     exactly (so a non-canonical R never verifies, and no cofactor is multiplied in).
 *
 * Keys are checked before they are trusted (`publicKeyProblem`, spec §8.2): a
 * non-canonical encoding or a point of small order is refused wherever a key enters trust.
 * @module ed25519
 */
import { equal, fromHex, sha512, view } from './bytes.js';

const P = 2n ** 255n - 19n;
/** The order of the base point (RFC 8032 §5.1). */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
/** y of a point of order 8 (RFC 8032 §5.1.3 encoding, sign bit cleared). */
const Y8 = 0x7a03ac9277fdc74ec6cc392cfa53202a0f67100d760b3cba4fd84d3d706a17c7n;
/** The y coordinates of the 8 points of small order (orders 1, 2, 4, 8), either sign of x. */
const SMALL_ORDER_Y = new Set([0n, 1n, P - 1n, Y8, P - Y8]);

/** @param {Uint8Array} bytes little-endian @returns {bigint} */
function littleEndian(bytes) {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}

/**
 * Why `raw` is not an acceptable Ed25519 public key, or null (spec §8.2).
 * @param {Uint8Array} raw
 * @returns {string | null}
 */
export function publicKeyProblem(raw) {
  if (raw.length !== 32) return 'is not 32 bytes';
  const y = littleEndian(raw) & ((1n << 255n) - 1n);
  if (y >= P) return 'is not canonically encoded (y >= 2^255 - 19)';
  if (SMALL_ORDER_Y.has(y)) return 'is a point of small order (anyone could forge signatures for it)';
  return null;
}

// RFC 8032 §7.1 TEST 1: the known answer that decides whether WebCrypto's Ed25519 works.
const TEST_KEY = fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
const TEST_SIGNATURE = fromHex(
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
);

/** @type {Promise<boolean> | null} */
let webCryptoWorks = null;

/** Whether WebCrypto verifies Ed25519 here (checked once, on RFC 8032 TEST 1). */
export function hasWebCryptoEd25519() {
  if (webCryptoWorks === null) {
    webCryptoWorks = (async () => {
      try {
        const key = await crypto.subtle.importKey('raw', view(TEST_KEY), { name: 'Ed25519' }, false, ['verify']);
        return await crypto.subtle.verify({ name: 'Ed25519' }, key, view(TEST_SIGNATURE), new Uint8Array(0));
      } catch {
        return false;
      }
    })();
  }
  return webCryptoWorks;
}

/** @type {Map<string, Promise<CryptoKey | null>>} */
const imported = new Map();

/** @param {Uint8Array} raw */
function webCryptoKey(raw) {
  const id = Array.from(raw, (b) => b.toString(16).padStart(2, '0')).join('');
  let key = imported.get(id);
  if (key === undefined) {
    key = crypto.subtle.importKey('raw', view(raw), { name: 'Ed25519' }, false, ['verify']).catch(() => null);
    imported.set(id, key);
  }
  return key;
}

/** @type {Promise<typeof import('../vendor/noble-ed25519/index.js')> | null} */
let noble = null;

/**
 * The pure-JS check (the rule in the module comment).
 * @param {Uint8Array} publicKey @param {Uint8Array} signature @param {Uint8Array} message
 * @returns {Promise<boolean>}
 */
export async function verifyFallback(publicKey, signature, message) {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  noble ??= import('../vendor/noble-ed25519/index.js');
  const { Point } = await noble;
  const s = littleEndian(signature.subarray(32));
  if (s >= L) return false;
  let A;
  try {
    A = Point.fromBytes(publicKey, false);
  } catch {
    return false;
  }
  const r = signature.subarray(0, 32);
  const digest = await sha512(Uint8Array.of(...r, ...publicKey, ...message));
  const k = littleEndian(digest) % L;
  const check = Point.BASE.multiply(s, false).subtract(A.multiply(k, false));
  return equal(check.toBytes(), r);
}

/** Which implementation the last check used ('webcrypto' | 'fallback'), for the page and tests. */
export let engine = /** @type {'webcrypto' | 'fallback' | null} */ (null);

/**
 * Whether `signature` is a valid Ed25519 signature of `message` by `publicKey`.
 * @param {Uint8Array} publicKey raw 32 bytes
 * @param {Uint8Array} signature 64 bytes
 * @param {Uint8Array} message
 * @returns {Promise<boolean>}
 */
export async function verify(publicKey, signature, message) {
  if (await hasWebCryptoEd25519()) {
    engine = 'webcrypto';
    const key = await webCryptoKey(publicKey);
    if (key === null) return false;
    try {
      return await crypto.subtle.verify({ name: 'Ed25519' }, key, view(signature), view(message));
    } catch {
      return false;
    }
  }
  engine = 'fallback';
  return verifyFallback(publicKey, signature, message);
}
