// @ts-check
/**
 * The errors of the page's verifier, mirroring anxinma.errors (Python).
 *
 * A bad code is never an exception to the caller of `verify()` (it is a red verdict);
 * these errors travel between the decoding modules and are turned into reason codes
 * at the edge of each step (spec §10.4).
 * @module errors
 */

/** Base class of every error raised on purpose. */
export class AnxinmaError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bytes are not strict deterministic CBOR (spec §12.1); `offset` is the byte at fault. */
export class CborError extends AnxinmaError {
  /** @param {number} offset @param {string} message */
  constructor(offset, message) {
    super(`byte ${offset}: ${message}`);
    this.offset = offset;
  }
}

/** Text is not strict base45 (spec §12.2); `position` is the code point index at fault. */
export class Base45Error extends AnxinmaError {
  /** @param {number} position @param {string} message */
  constructor(position, message) {
    super(`character ${position}: ${message}`);
    this.position = position;
  }
}

/** A claims value breaks spec §5 or §4.2; `field` and `label` name it. */
export class RecordError extends AnxinmaError {
  /** @param {string} field @param {string} message @param {number | null} [label] */
  constructor(field, message, label = null) {
    super(`${label === null ? field : `${field} (label ${label})`}: ${message}`);
    this.field = field;
    this.label = label;
  }
}

/** A structural failure with a stable reason code (malformed, unsupported_version, ...). */
export class ReasonError extends AnxinmaError {
  /** @param {string} reason @param {string} message */
  constructor(reason, message) {
    super(message);
    this.reason = reason;
  }
}

/** A signed document was refused (spec §15.6); `reason` is a document reason code. */
export class DocumentError extends AnxinmaError {
  /** @param {string} reason @param {string} message */
  constructor(reason, message) {
    super(`${reason}: ${message}`);
    this.reason = reason;
  }
}

/** The caller misused an API (a clock out of range, an unreadable ID number). */
export class UsageError extends AnxinmaError {}
