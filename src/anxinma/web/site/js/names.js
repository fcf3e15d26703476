// @ts-check
/**
 * The name rule a verifier checks: the table-free subset of spec §4.2.2.
 *
 * Explicit code point ranges, no Unicode character database, so that every verifier on
 * every host gives the same answer; a code point the subset does not list is accepted (a
 * verifier never turns red for a character newer than its host).  Issuers apply the full
 * rule of §4.2.1 before they sign.  NFC is checked with the host's normalization data,
 * which can only refuse names no conforming issuer signs (§4.2.2 item 5).
 * @module names
 */

export const NAME_MAX = 20;
/** The most combining marks in a row (spec §4.2.2 item 4). */
export const MAX_COMBINING_MARKS = 4;

/**
 * Refused code points (spec §4.2.2): controls, format characters, white space but U+0020,
 * surrogates, private use, every Default_Ignorable_Code_Point of Unicode 18.0.0, the blank
 * U+2800.  Inclusive [first, last] pairs, sorted.  Noncharacters are refused besides.
 * @type {ReadonlyArray<readonly [number, number]>}
 */
export const REFUSED_RANGES = [
  [0x0000, 0x001f], [0x007f, 0x00a0], [0x00ad, 0x00ad], [0x034f, 0x034f], [0x0600, 0x0605], [0x061c, 0x061c],
  [0x06dd, 0x06dd], [0x070f, 0x070f], [0x0890, 0x0891], [0x08e2, 0x08e2], [0x115f, 0x1160], [0x1680, 0x1680],
  [0x17b4, 0x17b5], [0x180b, 0x180f], [0x2000, 0x200f], [0x2028, 0x202f], [0x205f, 0x206f], [0x2800, 0x2800],
  [0x3000, 0x3000], [0x3164, 0x3164], [0xd800, 0xf8ff], [0xfdd0, 0xfdef], [0xfe00, 0xfe0f], [0xfeff, 0xfeff],
  [0xffa0, 0xffa0], [0xfff0, 0xfffb], [0x110bd, 0x110bd], [0x110cd, 0x110cd], [0x13430, 0x1343f],
  [0x1bca0, 0x1bca3], [0x1d173, 0x1d17a], [0xe0000, 0xe0fff], [0xf0000, 0x10ffff],
];

/**
 * Combining marks as a verifier knows them (spec §4.2.2 item 4): the five combining blocks.
 * @type {ReadonlyArray<readonly [number, number]>}
 */
export const MARK_RANGES = [
  [0x0300, 0x036f], [0x1ab0, 0x1aff], [0x1dc0, 0x1dff], [0x20d0, 0x20ff], [0xfe20, 0xfe2f],
];

/** @param {number} cp @param {ReadonlyArray<readonly [number, number]>} ranges */
function within(cp, ranges) {
  for (const [first, last] of ranges) {
    if (cp < first) return false;
    if (cp <= last) return true;
  }
  return false;
}

/** @param {number} cp */
const hex = (cp) => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Why `name` breaks the verifier subset of spec §4.2.2, or null.
 * @param {string} name
 * @returns {string | null}
 */
export function nameProblem(name) {
  const points = Array.from(name, (c) => /** @type {number} */ (c.codePointAt(0)));
  if (points.length < 1 || points.length > NAME_MAX) return `must be 1..${NAME_MAX} characters`;
  const refused = points.find((cp) => within(cp, REFUSED_RANGES) || (cp & 0xfffe) === 0xfffe);
  if (refused !== undefined) return `character ${hex(refused)} is invisible, blank, a control or not a character`;
  if (points[0] === 0x20 || points[points.length - 1] === 0x20 || name.includes('  ')) {
    return 'must have no leading or trailing space and no two spaces in a row';
  }
  let run = 0;
  for (let i = 0; i < points.length; i++) {
    if (!within(points[i], MARK_RANGES)) {
      run = 0;
      continue;
    }
    if (i === 0) return `starts with combining mark ${hex(points[i])}`;
    if (run > 0 && points[i - 1] === points[i]) return `combining mark ${hex(points[i])} twice in a row`;
    run += 1;
    if (run > MAX_COMBINING_MARKS) return `more than ${MAX_COMBINING_MARKS} combining marks in a row`;
  }
  if (name.normalize('NFC') !== name) return 'must be in Unicode Normalization Form C';
  return null;
}
