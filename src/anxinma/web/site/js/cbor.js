// @ts-check
/**
 * Strict deterministic CBOR decoding (RFC 8949 §4.2.1, spec §12).
 *
 * Exactly one encoding of each value is accepted: shortest heads, definite lengths, map
 * keys (integers or text only) in bytewise order of their encodings without repeats, no
 * tags, no floats, no simple values but false/true/null in their one-byte forms, valid
 * UTF-8, no trailing bytes.  Nesting depth and the number of data items are capped (spec
 * §7.3, §12.3): each key, value and container counts one item, and a container whose
 * declared size exceeds the remaining budget is refused at its head.  Errors name the byte.
 *
 * Values: unsigned and negative integers are numbers when they are safe integers and
 * BigInts otherwise; byte strings are Uint8Array; text strings are strings; arrays are
 * Arrays; maps are Maps; false/true/null are themselves.
 * @module cbor
 */
import { CborError } from './errors.js';
import { compare } from './bytes.js';

/**
 * A decoded item; the elements of arrays and maps are items too (typed unknown: a reader
 * narrows each with the guards below).
 * @typedef {number | bigint | Uint8Array | string | boolean | null | unknown[] | Map<CborKey, unknown>} CborValue
 */
/** @typedef {number | bigint | string} CborKey */

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Decode one strict deterministic CBOR item spanning all of `data`.
 * @param {Uint8Array} data
 * @param {{maxDepth?: number, maxItems?: number}} [limits]
 * @returns {CborValue}
 * @throws {CborError}
 */
export function decode(data, { maxDepth = 4, maxItems = 64 } = {}) {
  const reader = new Reader(data, maxDepth, maxItems);
  const value = reader.item(0);
  if (reader.pos !== data.length) {
    throw new CborError(reader.pos, `${data.length - reader.pos} trailing byte(s) after the item`);
  }
  return value;
}

/** @param {bigint} value @returns {number | bigint} */
function narrow(value) {
  return value <= MAX_SAFE && value >= -MAX_SAFE ? Number(value) : value;
}

/** A strict UTF-8 check (Unicode §3.9, table 3-7): the offset of the first bad byte, or -1. */
/** @param {Uint8Array} b @param {number} start @param {number} end */
function utf8Error(b, start, end) {
  let i = start;
  while (i < end) {
    const c = b[i];
    if (c < 0x80) {
      i += 1;
      continue;
    }
    let need;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      if (i + k >= end) return i;
      const d = b[i + k];
      if (k === 1 ? d < lo || d > hi : d < 0x80 || d > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

const TEXT = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class Reader {
  /** @param {Uint8Array} data @param {number} maxDepth @param {number} maxItems */
  constructor(data, maxDepth, maxItems) {
    this.data = data;
    this.pos = 0;
    this.maxDepth = maxDepth;
    this.itemsLeft = maxItems;
  }

  /** An initial byte and its argument. @returns {[number, number | bigint, number]} major, argument, start */
  head() {
    const start = this.pos;
    const data = this.data;
    if (start >= data.length) throw new CborError(start, 'unexpected end of data');
    const ib = data[start];
    const major = ib >> 5;
    const info = ib & 0x1f;
    if (info < 24) {
      this.pos = start + 1;
      return [major, info, start];
    }
    if (info > 27) {
      throw new CborError(start, `${info === 31 ? 'indefinite length' : `reserved additional info ${info}`} not allowed`);
    }
    const size = 1 << (info - 24);
    const end = start + 1 + size;
    if (end > data.length) throw new CborError(start, 'unexpected end of data in an item head');
    let arg = 0n;
    for (let i = start + 1; i < end; i++) arg = (arg << 8n) | BigInt(data[i]);
    const least = size === 1 ? 24n : 1n << BigInt(4 * size);
    if (arg < least) throw new CborError(start, `argument ${arg} not in its shortest form`);
    this.pos = end;
    return [major, narrow(arg), start];
  }

  /** @param {number} depth @returns {CborValue} */
  item(depth) {
    this.itemsLeft -= 1;
    if (this.itemsLeft < 0) throw new CborError(this.pos, 'too many data items');
    const [major, arg, start] = this.head();
    switch (major) {
      case 0:
        return arg;
      case 1:
        return typeof arg === 'number' ? -1 - arg : narrow(-1n - arg);
      case 2:
      case 3:
        return this.string(major, arg, start);
      case 4:
      case 5:
        if (depth >= this.maxDepth) throw new CborError(start, `nesting deeper than ${this.maxDepth}`);
        return major === 4 ? this.array(arg, depth) : this.map(arg, depth);
      case 6:
        throw new CborError(start, `tag ${arg} not allowed`);
      default:
        if (this.data[start] === 0xf4) return false;
        if (this.data[start] === 0xf5) return true;
        if (this.data[start] === 0xf6) return null;
        throw new CborError(start, 'floating-point and simple values other than false/true/null not allowed');
    }
  }

  /** @param {number} major @param {number | bigint} length @param {number} start */
  string(major, length, start) {
    const end = this.pos + Number(length);
    if (typeof length === 'bigint' || end > this.data.length) {
      throw new CborError(start, `string of ${length} bytes runs past the end of data`);
    }
    const from = this.pos;
    this.pos = end;
    if (major === 2) return this.data.slice(from, end);
    const bad = utf8Error(this.data, from, end);
    if (bad >= 0) throw new CborError(bad, 'invalid UTF-8 in a text string');
    return TEXT.decode(this.data.subarray(from, end));
  }

  /** @param {number | bigint} count @param {number} depth */
  array(count, depth) {
    if (count > this.itemsLeft) throw new CborError(this.pos, 'too many data items');
    const out = [];
    for (let i = 0; i < count; i++) out.push(this.item(depth + 1));
    return out;
  }

  /** @param {number | bigint} count @param {number} depth */
  map(count, depth) {
    if (2 * Number(count) > this.itemsLeft) throw new CborError(this.pos, 'too many data items');
    /** @type {Map<CborKey, unknown>} */
    const out = new Map();
    let previous = /** @type {Uint8Array} */ (new Uint8Array(0));
    for (let i = 0; i < count; i++) {
      const start = this.pos;
      const key = this.item(depth + 1);
      if (typeof key !== 'number' && typeof key !== 'bigint' && typeof key !== 'string') {
        throw new CborError(start, 'map keys must be integers or text strings');
      }
      const encoded = this.data.subarray(start, this.pos);
      const order = compare(encoded, previous);
      if (i > 0 && order <= 0) {
        throw new CborError(start, `${order === 0 ? 'duplicate' : 'out-of-order'} map key ${String(key)} (RFC 8949 §4.2.1 order)`);
      }
      previous = encoded;
      out.set(key, this.item(depth + 1));
    }
    return out;
  }
}

/** Whether `value` is a CBOR integer (not a boolean). @param {unknown} value @returns {value is number | bigint} */
export function isInt(value) {
  return (typeof value === 'number' && Number.isInteger(value)) || typeof value === 'bigint';
}

/** Whether `value` is a CBOR map. @param {unknown} value @returns {value is Map<CborKey, unknown>} */
export function isMap(value) {
  return value instanceof Map;
}

/** Whether `value` is a CBOR byte string. @param {unknown} value @returns {value is Uint8Array} */
export function isBytes(value) {
  return value instanceof Uint8Array;
}
