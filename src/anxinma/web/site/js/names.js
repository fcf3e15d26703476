// @ts-check
/**
 * The name rule a verifier checks (spec §4.2, verifier subset).
 *
 * Table-free on purpose: written as explicit code point ranges, so that every verifier
 * agrees whatever Unicode version its host knows, and a code point it does not know is
 * accepted (never red for being new).  Issuers apply the full rule (NFC, NFKC-stable,
 * scripts, ...) before they sign; a verifier only refuses what can make a name display
 * as blank or as someone else's.
 * @module names
 */

export const NAME_MAX = 20;
/** At most this many combining marks in a row (spec §4.2). */
export const MAX_MARKS = 2;

/**
 * Code points a name never contains: C0, DEL, C1; surrogates; private use;
 * noncharacters; the Default_Ignorable and blank-filler list of spec §4.2.
 * Inclusive [first, last] pairs, sorted.
 * @type {ReadonlyArray<readonly [number, number]>}
 */
export const FORBIDDEN = [
  [0x0000, 0x001f],
  [0x007f, 0x009f],
  [0x00a0, 0x00a0],
  [0x00ad, 0x00ad],
  [0x034f, 0x034f],
  [0x061c, 0x061c],
  [0x115f, 0x1160],
  [0x1680, 0x1680],
  [0x17b4, 0x17b5],
  [0x180b, 0x180f],
  [0x2000, 0x200f],
  [0x2028, 0x202f],
  [0x205f, 0x206f],
  [0x2800, 0x2800],
  [0x3000, 0x3000],
  [0x3164, 0x3164],
  [0xd800, 0xf8ff],
  [0xfdd0, 0xfdef],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
  [0xffa0, 0xffa0],
  [0xfff0, 0xfff8],
  [0x1bca0, 0x1bca3],
  [0x1d173, 0x1d17a],
  [0xe0000, 0xe0fff],
  [0xf0000, 0x10ffff],
];

/**
 * Combining marks (general category M) by block, for the "first not a mark" rule and
 * the run cap.  Inclusive [first, last] pairs, sorted.
 * @type {ReadonlyArray<readonly [number, number]>}
 */
export const COMBINING = [
  [0x0300, 0x036f],
  [0x0483, 0x0489],
  [0x0591, 0x05bd],
  [0x0610, 0x061a],
  [0x064b, 0x065f],
  [0x0670, 0x0670],
  [0x06d6, 0x06dc],
  [0x06df, 0x06e4],
  [0x06e7, 0x06e8],
  [0x06ea, 0x06ed],
  [0x0e31, 0x0e31],
  [0x0e34, 0x0e3a],
  [0x0e47, 0x0e4e],
  [0x1ab0, 0x1aff],
  [0x1dc0, 0x1dff],
  [0x20d0, 0x20ff],
  [0x302a, 0x302f],
  [0x3099, 0x309a],
  [0xfe20, 0xfe2f],
];

/** @param {number} cp @param {ReadonlyArray<readonly [number, number]>} ranges */
function within(cp, ranges) {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [first, last] = ranges[mid];
    if (cp < first) hi = mid - 1;
    else if (cp > last) lo = mid + 1;
    else return true;
  }
  return false;
}

/** @param {number} cp */
const hex = (cp) => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Why `name` is not an acceptable name in a code, or null (spec §4.2, verifier subset).
 * @param {string} name
 * @returns {string | null}
 */
export function nameProblem(name) {
  const points = Array.from(name, (c) => /** @type {number} */ (c.codePointAt(0)));
  if (points.length < 1 || points.length > NAME_MAX) return `must be 1..${NAME_MAX} characters`;
  let marks = 0;
  for (let i = 0; i < points.length; i++) {
    const cp = points[i];
    if ((cp & 0xfffe) === 0xfffe || within(cp, FORBIDDEN)) return `character ${hex(cp)} is not allowed in a name`;
    if (cp === 0x20 && (i === 0 || i === points.length - 1 || points[i - 1] === 0x20)) {
      return 'a space only between two other characters, never two in a row';
    }
    if (within(cp, COMBINING)) {
      if (i === 0) return `the first character ${hex(cp)} is a combining mark`;
      marks += 1;
      if (marks > MAX_MARKS) return `more than ${MAX_MARKS} combining marks in a row`;
    } else marks = 0;
  }
  return null;
}
