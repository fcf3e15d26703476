// @ts-check
/**
 * The documents this verifier holds: the trust list, status lists and directory, checked
 * against the pinned root key, kept in the store with the verifier state, refreshed from
 * the page's own origin when there is a network (DECISIONS "Documents that fail to load",
 * "Verifier state").
 *
 * Every candidate (the copies on this device and those just downloaded) is loaded afresh
 * against the current clock and the remembered state; the newest of each kind that loads
 * is kept.  A downloaded document older than the state remembers is refused as `rollback`
 * and the newer copy kept.  A trust list that fails leaves nothing to verify with; a
 * status list or directory that fails is reported and codes are judged without it.
 * @module held
 */
import { concat } from './bytes.js';
import { DocumentError } from './errors.js';
import { loadTrustList, MAX_TRUST_LIST_BYTES } from './trust.js';
import { canDecompress, loadStatusList, MAX_TOKEN_BYTES } from './status.js';
import { loadDirectory, MAX_DIRECTORY_BYTES } from './directory.js';
import { EMPTY_STATE, rememberDirectory, rememberStatus, rememberTrust } from './state.js';

const FILE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * @typedef {import('./store.js').StoredDocument} StoredDocument
 * @typedef {import('./report.js').DocumentReport} DocumentReport
 * @typedef {{file: string, kind: DocumentReport['kind'], reason: string, detail: string}} Notice
 */

/**
 * Read a response body with a byte cap (a document's size cap plus one byte, so that an
 * oversized document is refused as too_large by its loader, never read whole).
 * @param {Response} response @param {number} cap @returns {Promise<Uint8Array>}
 */
async function readCapped(response, cap) {
  if (response.body === null) return new Uint8Array(await response.arrayBuffer()).slice(0, cap + 1);
  const reader = response.body.getReader();
  /** @type {Uint8Array[]} */
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.length;
    if (total > cap) {
      await reader.cancel();
      break;
    }
  }
  return concat(...chunks);
}

const CAPS = { trust_list: MAX_TRUST_LIST_BYTES, status_list: MAX_TOKEN_BYTES, directory: MAX_DIRECTORY_BYTES };

export class Held {
  /**
   * @param {object} options
   * @param {Uint8Array[]} options.roots the pinned root public keys
   * @param {import('./store.js').Store} options.store
   * @param {string} [options.index] the documents index, relative to the page
   * @param {typeof fetch} [options.fetcher]
   */
  constructor({ roots, store, index = 'documents/index.json', fetcher = (...a) => fetch(...a) }) {
    this.roots = roots;
    this.store = store;
    this.index = index;
    this.fetcher = fetcher;
    /** @type {import('./trust.js').Trust | null} */
    this.trust = null;
    /** @type {import('./status.js').StatusListToken[]} */
    this.statuses = [];
    /** @type {import('./directory.js').Directory | null} */
    this.directory = null;
    /** @type {StoredDocument[]} the copies in use */
    this.documents = [];
    /** @type {DocumentReport[]} what happened to every file, last time */
    this.reports = [];
    /** @type {Notice[]} refusals of downloaded documents, last refresh */
    this.notices = [];
    /** @type {import('./state.js').VerifierState} */
    this.state = EMPTY_STATE;
  }

  /** Load what this device holds. @param {number} now */
  async start(now) {
    const stored = await this.store.load();
    this.state = stored.state;
    await this.adopt(stored.documents, [], now);
  }

  /**
   * Download the documents from the page's own origin and keep the newest that load.
   * @param {number} now
   * @returns {Promise<boolean>} whether anything new was kept
   */
  async refresh(now) {
    const fetched = await this.download();
    return this.adopt(this.documents, fetched, now);
  }

  /** @returns {Promise<(StoredDocument | Notice)[]>} */
  async download() {
    const base = new URL(this.index, document.baseURI);
    /** @type {(StoredDocument | Notice)[]} */
    const out = [];
    let listing;
    try {
      const response = await this.fetcher(base.href, { cache: 'no-store' });
      if (!response.ok) return out;
      listing = await response.json();
    } catch {
      return out; // offline: nothing new
    }
    /** @type {[StoredDocument['kind'], unknown][]} */
    const wanted = [['trust_list', listing.trust], ['directory', listing.directory]];
    for (const file of Array.isArray(listing.status) ? listing.status : []) wanted.push(['status_list', file]);
    for (const [kind, file] of wanted) {
      if (typeof file !== 'string' || !FILE.test(file)) continue;
      const name = new URL(file, base).pathname.replace(/^.*\/documents\//, 'documents/');
      try {
        const response = await this.fetcher(new URL(file, base).href, { cache: 'no-store' });
        if (!response.ok) throw new Error(String(response.status));
        out.push({ id: '', kind, file: name, bytes: await readCapped(response, CAPS[kind]) });
      } catch (exc) {
        out.push({ file: name, kind, reason: 'fetch_failed', detail: String(exc) });
      }
    }
    return out;
  }

  /**
   * Load every candidate, keep the newest of each kind, store them with the new state.
   * @param {StoredDocument[]} device @param {(StoredDocument | Notice)[]} server @param {number} now
   * @returns {Promise<boolean>} whether the kept documents changed
   */
  async adopt(device, server, now) {
    /** @type {DocumentReport[]} */
    const reports = [];
    /** @type {Notice[]} */
    const notices = [];
    /** @type {{doc: StoredDocument, fromServer: boolean}[]} */
    const candidates = [];
    for (const doc of device) candidates.push({ doc, fromServer: false });
    for (const item of server) {
      if ('bytes' in item) candidates.push({ doc: item, fromServer: true });
      else {
        notices.push(item);
        reports.push({ file: item.file, kind: item.kind, loaded: false, reason: item.reason });
      }
    }
    /** @param {{doc: StoredDocument, fromServer: boolean}} c @param {unknown} exc */
    const refuse = (c, exc) => {
      if (!(exc instanceof DocumentError)) throw exc;
      reports.push({ file: c.doc.file, kind: c.doc.kind, loaded: false, reason: exc.reason });
      if (c.fromServer) notices.push({ file: c.doc.file, kind: c.doc.kind, reason: exc.reason, detail: exc.message });
    };
    let state = this.state;

    // Trust list: the highest sequence that loads (then the latest iat).
    /** @type {{doc: StoredDocument, trust: import('./trust.js').Trust} | null} */
    let trust = null;
    for (const c of candidates.filter((x) => x.doc.kind === 'trust_list')) {
      try {
        const loaded = await loadTrustList(c.doc.bytes, this.roots, { now, minSequence: state.trust_list_sequence });
        if (trust === null || newer(loaded.sequence, loaded.issuedAt, trust.trust.sequence, trust.trust.issuedAt)) {
          trust = { doc: { ...c.doc, id: 'trust' }, trust: loaded };
        }
      } catch (exc) {
        refuse(c, exc);
      }
    }
    /** @type {StoredDocument[]} */
    const kept = [];
    if (trust !== null) {
      state = rememberTrust(state, trust.trust);
      kept.push(trust.doc);
      reports.push({ file: trust.doc.file, kind: 'trust_list', loaded: true, reason: null });
    }

    // Status lists: per sub, every list of the newest iat that loads.
    /** @type {Map<string, {doc: StoredDocument, token: import('./status.js').StatusListToken}[]>} */
    const lists = new Map();
    for (const c of candidates.filter((x) => x.doc.kind === 'status_list')) {
      if (trust === null || !canDecompress()) break; // without DecompressionStream: not held (the page says so)
      try {
        const token = await loadStatusList(c.doc.bytes, trust.trust, { now, statusIat: state.status_lists });
        const same = lists.get(token.uri) ?? [];
        const best = same.length ? same[0].token.issuedAt : -1;
        if (token.issuedAt > best) lists.set(token.uri, [{ doc: { ...c.doc, id: `status:${token.uri}` }, token }]);
        else if (token.issuedAt === best && !same.some((s) => equalBytes(s.doc.bytes, c.doc.bytes))) {
          same.push({ doc: { ...c.doc, id: `status:${token.uri}:${same.length}` }, token });
        }
      } catch (exc) {
        refuse(c, exc);
      }
    }
    const statuses = [];
    for (const group of lists.values()) {
      for (const { doc, token } of group) {
        state = rememberStatus(state, token);
        kept.push(doc);
        statuses.push(token);
        reports.push({ file: doc.file, kind: 'status_list', loaded: true, reason: null });
      }
    }

    // Directory: the highest sequence that loads.
    /** @type {{doc: StoredDocument, directory: import('./directory.js').Directory} | null} */
    let directory = null;
    for (const c of candidates.filter((x) => x.doc.kind === 'directory')) {
      try {
        const loaded = await loadDirectory(c.doc.bytes, this.roots, { now, minSequence: state.directory_sequence });
        if (directory === null || newer(loaded.sequence, loaded.issuedAt, directory.directory.sequence, directory.directory.issuedAt)) {
          directory = { doc: { ...c.doc, id: 'directory' }, directory: loaded };
        }
      } catch (exc) {
        refuse(c, exc);
      }
    }
    if (directory !== null) {
      state = rememberDirectory(state, directory.directory);
      kept.push(directory.doc);
      reports.push({ file: directory.doc.file, kind: 'directory', loaded: true, reason: null });
    }

    const changed = !sameDocuments(kept, this.documents);
    // Never drop a held kind because this round could not load it (e.g. a clock gone wrong):
    // a failed trust list means nothing verifies now, but the stored copies stay.
    const toStore = trust === null ? this.documents.length ? this.documents : device : kept;
    if (changed || JSON.stringify(state) !== JSON.stringify(this.state)) {
      await this.store.save(toStore, trust === null ? this.state : state);
    }
    this.trust = trust === null ? null : trust.trust;
    this.statuses = statuses;
    this.directory = directory === null ? null : directory.directory;
    this.documents = kept.length ? kept : this.documents;
    if (trust !== null) this.state = state;
    this.reports = dedupe(reports);
    this.notices = notices;
    return changed && server.length > 0;
  }
}

/** @param {number | null} seq @param {number | null} iat @param {number | null} heldSeq @param {number | null} heldIat */
function newer(seq, iat, heldSeq, heldIat) {
  return /** @type {number} */ (seq) > /** @type {number} */ (heldSeq) || (seq === heldSeq && /** @type {number} */ (iat) > /** @type {number} */ (heldIat));
}

/** @param {Uint8Array} a @param {Uint8Array} b */
function equalBytes(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** @param {StoredDocument[]} a @param {StoredDocument[]} b */
function sameDocuments(a, b) {
  return a.length === b.length && a.every((d, i) => d.id === b[i].id && equalBytes(d.bytes, b[i].bytes));
}

/** One report per file: a loaded copy wins over a refused one of the same name. @param {DocumentReport[]} reports */
function dedupe(reports) {
  /** @type {Map<string, DocumentReport>} */
  const byFile = new Map();
  for (const r of reports) {
    const held = byFile.get(r.file);
    if (held === undefined || (!held.loaded && r.loaded)) byFile.set(r.file, r);
  }
  return [...byFile.values()];
}
