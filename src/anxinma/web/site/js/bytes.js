// @ts-check
/**
 * Small byte helpers shared by the modules.
 * @module bytes
 */

/** @param {Uint8Array} data @returns {string} lower-case hex */
export function toHex(data) {
  let out = '';
  for (const b of data) out += (b < 16 ? '0' : '') + b.toString(16);
  return out;
}

/** @param {string} hex @returns {Uint8Array} */
export function fromHex(hex) {
  if (hex.length % 2 || /[^0-9a-fA-F]/.test(hex)) throw new TypeError('not a hex string');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** @param {...Uint8Array} parts @returns {Uint8Array} */
export function concat(...parts) {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** @param {Uint8Array} a @param {Uint8Array} b @returns {boolean} */
export function equal(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** Bytewise lexicographic order (RFC 8949 §4.2.1). @param {Uint8Array} a @param {Uint8Array} b */
export function compare(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * The same bytes, typed as WebCrypto and Blob take them (TypeScript 5.7 and later tell a
 * view of an ArrayBuffer from one of a SharedArrayBuffer; ours are always the former).
 * @param {Uint8Array} data @returns {Uint8Array<ArrayBuffer>}
 */
export const view = (data) => /** @type {Uint8Array<ArrayBuffer>} */ (data);

/** SHA-256 through WebCrypto. @param {Uint8Array} data @returns {Promise<Uint8Array>} */
export async function sha256(data) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', view(data)));
}

/** SHA-512 through WebCrypto. @param {Uint8Array} data @returns {Promise<Uint8Array>} */
export async function sha512(data) {
  return new Uint8Array(await crypto.subtle.digest('SHA-512', view(data)));
}

const UTF8 = new TextEncoder();

/** @param {string} text @returns {Uint8Array} */
export function utf8(text) {
  return UTF8.encode(text);
}
