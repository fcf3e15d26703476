// @ts-check
/**
 * Base45 (RFC 9285), decoded strictly as spec §12.2 says.
 *
 * Two bytes are three characters, least significant first; a final odd byte is two.
 * Refused, in this order (the order the reference implementation reports): a character
 * that is not ASCII, a character outside the 45-character alphabet, a dangling single
 * character (length 1 mod 3), a group worth more than 65535, a final pair worth more
 * than 255.  Positions are code point indexes (JavaScript strings count UTF-16 units).
 * @module base45
 */
import { Base45Error } from './errors.js';

export const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

/** ASCII code -> digit value, 255 outside the alphabet. */
const DIGITS = new Uint8Array(128).fill(255);
for (let i = 0; i < ALPHABET.length; i++) DIGITS[ALPHABET.charCodeAt(i)] = i;

/**
 * Decode base45 text (RFC 9285 §4.2).
 * @param {string} text
 * @returns {Uint8Array}
 * @throws {Base45Error}
 */
export function decode(text) {
  const chars = Array.from(text); // code points
  const nonAscii = chars.findIndex((c) => (c.codePointAt(0) ?? 0) > 0x7f);
  if (nonAscii >= 0) throw new Base45Error(nonAscii, `${JSON.stringify(chars[nonAscii])} is not in the base45 alphabet`);
  const digits = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const d = DIGITS[text.charCodeAt(i)];
    if (d === 255) throw new Base45Error(i, `${JSON.stringify(text[i])} is not in the base45 alphabet`);
    digits[i] = d;
  }
  const groups = Math.floor(digits.length / 3);
  const odd = digits.length % 3;
  if (odd === 1) throw new Base45Error(digits.length - 1, 'dangling single character (length is 1 mod 3)');
  const out = new Uint8Array(2 * groups + (odd ? 1 : 0));
  for (let g = 0; g < groups; g++) {
    const n = digits[3 * g] + 45 * digits[3 * g + 1] + 2025 * digits[3 * g + 2];
    if (n > 0xffff) throw new Base45Error(3 * g, `group ${JSON.stringify(text.slice(3 * g, 3 * g + 3))} is ${n}, above 65535`);
    out[2 * g] = n >> 8;
    out[2 * g + 1] = n & 0xff;
  }
  if (odd) {
    const at = digits.length - 2;
    const n = digits[at] + 45 * digits[at + 1];
    if (n > 0xff) throw new Base45Error(at, `final pair ${JSON.stringify(text.slice(at))} is ${n}, above 255`);
    out[out.length - 1] = n;
  }
  return out;
}

/**
 * Encode bytes as base45 (RFC 9285 §4.2).
 * @param {Uint8Array} data
 * @returns {string}
 */
export function encode(data) {
  let out = '';
  let i = 0;
  for (; i + 1 < data.length; i += 2) {
    const n = (data[i] << 8) | data[i + 1];
    out += ALPHABET[n % 45] + ALPHABET[Math.floor(n / 45) % 45] + ALPHABET[Math.floor(n / 2025)];
  }
  if (i < data.length) out += ALPHABET[data[i] % 45] + ALPHABET[Math.floor(data[i] / 45)];
  return out;
}
