// @ts-check
/**
 * The household's side of a visit (spec/visit-v1.md, issue 13): after a verdict, 确认入户
 * (the worker came in), then after the service an evaluation (1-5 stars and the spec's
 * tags, §3.3) or a complaint (its categories, §3.4); nothing to type.  Each step makes a
 * visit record (visit.js) signed by this device's own key (device.js), kept in the outbox
 * (outbox.js) and sent, when online, to the endpoint `web build` set.
 *
 * Rules the page applies (the endpoint counts by the same ones, §7.3-7.4):
 * - after a red verdict: no entry and no evaluation, a complaint only;
 * - one evaluation and one complaint per credential and China day of the scan;
 * - a verdict without a credential (malformed, forged, unknown issuer) offers nothing: a
 *   record could not name a credential the issuer knows.
 * The visit in progress (its verdict and times, and the worker's name and card number, to
 * say whom it is about) is kept on this device for two days, so that it can be rated after
 * the service even if the page was closed; nothing else about the worker is kept.
 * The test contract (element ids and data attributes) is in docs/web.md.
 * @module household
 */
import * as i18n from './i18n.js';
import { fromHex, toHex } from './bytes.js';
import { fromText } from './verify.js';
import { credentialId, newRecordId, signVisit, TAGS, COMPLAINTS } from './visit.js';
import { Outbox } from './outbox.js';
import { deviceKeys, NoSigningKey, openDevice } from './device.js';

/** How long the visit in progress is kept for its evaluation (seconds). */
const KEEP = 2 * 86400;
const CST = 8 * 3600;

/** @typedef {import('./visit.js').Color} Color */
/**
 * @typedef {Object} OpenVisit
 * @property {string} credentialId   hex
 * @property {string|null} issuer    trust-list id of the issuer
 * @property {Color} color           the verdict at the scan
 * @property {string[]} reasons
 * @property {number} scannedAt      seconds
 * @property {number|null} enteredAt seconds
 * @property {string} name           the worker's name (shown only; not in any record)
 * @property {string} cardNo         the card number (shown only; not in any record)
 */
/** @typedef {{evaluation: boolean, complaint: boolean}} Given */
/** @typedef {'off' | 'starting' | 'ready' | 'no-ed25519' | 'no-storage'} Mode */

/** @param {string} id @returns {any} */
const $ = (id) => /** @type {any} */ (document.getElementById(id));

/** @type {Mode} */
let mode = 'off';
/** @type {import('./device.js').Device | null} */
let device = null;
/** @type {CryptoKeyPair | null} */
let keys = null;
/** @type {Outbox | null} */
let outbox = null;
/** @type {{stop: () => void, kick: () => Promise<void>} | null} */
let sender = null;
/** @type {OpenVisit | null} */
let current = null;
/** Whether the visit was restored from storage (its verdict is not on screen). */
let restored = false;
/** @type {Given} */
let given = { evaluation: false, complaint: false };
let complaintOpen = false;
/** What the last action said: '' | 'entered' | 'rated' | 'filed' | 'failed'. */
let note = '';
let ratedStars = 0;
const outboxState = { pending: 0, lastSent: /** @type {number | null} */ (null), refused: 0 };
/** @type {() => number} the device clock, seconds */
let clock = () => Date.now() / 1000;
/** @type {Promise<void>} */
let started = Promise.resolve();

/** The China day of a moment (seconds): spec/visit-v1.md §1. @param {number} t */
const chinaDay = (t) => Math.floor((t + CST) / 86400);
/** @param {OpenVisit} v */
const givenKey = (v) => `given:${v.credentialId}:${chinaDay(v.scannedAt)}`;
/** @param {number} seconds */
const shortTime = (seconds) => new Date((seconds + CST) * 1000).toISOString().slice(5, 16).replace('T', ' ');

/**
 * Start: open the device's storage and key, restore a visit in progress, send what waits.
 * @param {{url: string | null, now?: () => number}} options  url: the endpoint (null: the build
 *   offers no visit records)
 */
export function start({ url, now }) {
  if (now) clock = now;
  started = begin(url);
  return started;
}

/** @param {string | null} url */
async function begin(url) {
  wire();
  if (url === null) {
    mode = 'off';
    render();
    return;
  }
  mode = 'starting';
  device = await openDevice();
  if (device === null) {
    mode = 'no-storage';
    render();
    return;
  }
  try {
    keys = await deviceKeys(device);
  } catch (exc) {
    mode = exc instanceof NoSigningKey ? 'no-ed25519' : 'no-storage';
    console.warn('visit records', exc);
    render();
    return;
  }
  mode = 'ready';
  outbox = new Outbox(new URL(url, location.href).href, device.outbox, { onFlush: (r) => flushed(r) });
  outboxState.lastSent = (await device.get('last-sent')) ?? null;
  outboxState.refused = (await device.get('refused')) ?? 0;
  const kept = /** @type {OpenVisit | undefined} */ (await device.get('current'));
  const at = clock();
  if (kept && at - kept.scannedAt < KEEP && kept.scannedAt <= at + 300) {
    current = kept;
    restored = true;
    given = (await device.get(givenKey(kept))) ?? { evaluation: false, complaint: false };
  } else if (kept) {
    await device.remove('current');
  }
  await countPending();
  render();
  sender = outbox.keepSending(window);
}

/** @param {import('./outbox.js').FlushResult} result */
async function flushed(result) {
  if (device === null) return;
  if (result.acknowledged > 0) {
    outboxState.lastSent = Date.now();
    await device.put('last-sent', outboxState.lastSent);
  }
  if (result.refused.length) {
    outboxState.refused += result.refused.length;
    await device.put('refused', outboxState.refused);
    console.warn('visit records refused', result.refused);
  }
  await countPending();
  render();
}

async function countPending() {
  outboxState.pending = outbox === null ? 0 : await outbox.pending();
}

/**
 * A fresh verdict (a code just scanned, photographed or pasted): the visit it may start.
 * @param {import('./verify.js').Verification} result @param {string} text @param {number} at
 */
export async function offer(result, text, at) {
  await started;
  complaintOpen = false;
  note = '';
  resetForms();
  restored = false;
  const cred = result.credential;
  if (cred === null) {
    current = null;
    if (mode === 'ready' && device !== null) await device.remove('current');
    render();
    return;
  }
  const id = toHex(await credentialId(fromText(text)));
  current = {
    credentialId: id,
    issuer: result.issuer === null ? null : result.issuer.id,
    color: result.color,
    reasons: [...result.reasons],
    scannedAt: Math.floor(at),
    enteredAt: null,
    name: cred.name,
    cardNo: cred.card_no,
  };
  given = { evaluation: false, complaint: false };
  if (mode === 'ready' && device !== null) {
    given = (await device.get(givenKey(current))) ?? given;
    await device.put('current', current);
  }
  render();
}

/**
 * The same code judged again (an ID number typed, new documents): before the entry is
 * confirmed the visit takes the new verdict; afterwards the records already made keep theirs.
 * @param {import('./verify.js').Verification} result
 */
export async function update(result) {
  await started;
  if (current === null || current.enteredAt !== null || restored) return;
  current.color = result.color;
  current.reasons = [...result.reasons];
  if (mode === 'ready' && device !== null) await device.put('current', current);
  render();
}

/**
 * Make, sign and keep one record of the visit in progress, then try to send it.
 * @param {{stars?: number, tags?: string[], complaint?: string[]}} what
 */
async function record(what) {
  if (current === null || keys === null || outbox === null) throw new Error('no visit in progress');
  const v = current;
  // whole seconds; never before the scan or the entry, even if the clock was set back since
  const madeAt = Math.max(Math.floor(clock()), v.enteredAt ?? v.scannedAt);
  const recordId = newRecordId();
  const bytes = await signVisit({
    recordId,
    credentialId: fromHex(v.credentialId),
    issuer: v.issuer,
    color: v.color,
    reasons: v.reasons,
    scannedAt: v.scannedAt,
    enteredAt: v.enteredAt,
    madeAt,
    stars: what.stars ?? null,
    tags: what.tags ?? [],
    complaint: what.complaint ?? [],
  }, keys);
  await outbox.add(bytes, recordId);
  await countPending();
  if (sender !== null) sender.kick();
}

/** @param {() => Promise<void>} step */
async function act(step) {
  try {
    await step();
  } catch (exc) {
    console.error('visit record', exc);
    note = 'failed';
  }
  render();
}

function enter() {
  return act(async () => {
    if (current === null || current.color === 'red' || current.enteredAt !== null || device === null) return;
    current.enteredAt = Math.max(Math.floor(clock()), current.scannedAt);
    await device.put('current', current);
    await record({});
    note = 'entered';
    render();
    $('visit').scrollIntoView({ block: 'start' });
    $('visit-entered').focus();
  });
}

function rate() {
  return act(async () => {
    const chosen = document.querySelector('#visit-stars input:checked');
    if (current === null || current.enteredAt === null || given.evaluation || chosen === null || device === null) return;
    const stars = Number(/** @type {HTMLInputElement} */ (chosen).value);
    const tags = TAGS.filter((t) => $(`visit-tag-${t}`).checked);
    await record({ stars, tags });
    given = { ...given, evaluation: true };
    await device.put(givenKey(current), given);
    ratedStars = stars;
    note = 'rated';
  });
}

function file() {
  return act(async () => {
    const complaint = COMPLAINTS.filter((c) => $(`visit-complaint-${c}`).checked);
    if (current === null || given.complaint || !complaint.length || device === null) return;
    await record({ complaint });
    given = { ...given, complaint: true };
    await device.put(givenKey(current), given);
    complaintOpen = false;
    note = 'filed';
  });
}

function resetForms() {
  for (const input of document.querySelectorAll('#visit input')) /** @type {HTMLInputElement} */ (input).checked = false;
  $('visit-stars').querySelector('.star-row').dataset.value = '';
}

let wired = false;

function wire() {
  if (wired) return;
  wired = true;
  $('visit-enter').addEventListener('click', () => enter());
  $('visit-rate').addEventListener('click', () => rate());
  $('visit-file').addEventListener('click', () => file());
  $('visit-complain').addEventListener('click', () => {
    complaintOpen = true;
    render();
    $('visit-complaint').scrollIntoView({ block: 'nearest' });
  });
  $('visit-cancel').addEventListener('click', () => {
    complaintOpen = false;
    for (const c of COMPLAINTS) $(`visit-complaint-${c}`).checked = false;
    render();
  });
  $('visit-stars').addEventListener('change', () => render());
  $('visit-categories').addEventListener('change', () => render());
  window.addEventListener('online', () => render());
  window.addEventListener('offline', () => render());
}

/** Draw the visit panel, the entry button of the bottom bar and the outbox line. */
export function render() {
  const s = i18n.t();
  renderLabels(s);
  renderOutbox(s);
  const box = $('visit');
  const show = current !== null && mode !== 'off' && mode !== 'starting';
  box.hidden = !show;
  const canEnter = show && mode === 'ready' && current !== null && current.color !== 'red' && current.enteredAt === null;
  $('visit-enter').hidden = !canEnter;
  $('scanbar').classList.toggle('two', canEnter);
  if (!show || current === null) return;
  const v = current;
  const ready = mode === 'ready';
  const step = v.color === 'red' ? 'red' : v.enteredAt === null ? 'scanned' : 'entered';
  box.dataset.step = step;
  box.dataset.offered = String(ready);
  box.dataset.why = ready ? '' : mode;
  box.dataset.credential = v.credentialId;
  $('visit-unavailable').hidden = ready;
  $('visit-unavailable').textContent = mode === 'no-ed25519' ? s.visitNoEd25519 : mode === 'no-storage' ? s.visitNoStorage : '';
  $('visit-who').hidden = !restored;
  $('visit-who').textContent = s.visitWho(v.name, v.cardNo);
  $('visit-hint').hidden = !(ready && step === 'scanned');
  $('visit-red').hidden = !(ready && step === 'red');
  $('visit-entered').hidden = !(ready && step === 'entered');
  $('visit-entered').tabIndex = -1;
  const rating = ready && step === 'entered' && !given.evaluation;
  const entered = v.enteredAt === null ? '' : shortTime(v.enteredAt);
  $('visit-entered').textContent = entered && (rating ? s.visitEntered(entered) : s.visitEnteredAt(entered));
  $('visit-rating').hidden = !rating;
  const chosen = /** @type {HTMLInputElement | null} */ (document.querySelector('#visit-stars input:checked'));
  const value = chosen === null ? 0 : Number(chosen.value);
  $('visit-stars').querySelector('.star-row').dataset.value = value ? String(value) : '';
  $('visit-star-said').textContent = value ? s.visitStars[value - 1] : '';
  $('visit-rate').disabled = value === 0;
  $('visit-complain').hidden = !(ready && !given.complaint && !complaintOpen);
  $('visit-complaint').hidden = !(ready && complaintOpen && !given.complaint);
  $('visit-file').disabled = !COMPLAINTS.some((c) => $(`visit-complaint-${c}`).checked);
  $('visit-privacy').hidden = !ready;
  renderStatus(s);
}

/** @param {ReturnType<typeof i18n.t>} s */
function renderStatus(s) {
  const status = $('visit-status');
  const delivery = outboxState.pending ? s.visitSaved : s.visitSent;
  /** @type {string[]} */
  const lines = [];
  if (note === 'entered') lines.push(s.visitEntryNote, delivery);
  if (note === 'rated') lines.push(s.visitRated(ratedStars), delivery);
  else if (given.evaluation) lines.push(s.visitRatedToday);
  if (note === 'filed') lines.push(s.visitFiled, delivery);
  else if (given.complaint) lines.push(s.visitFiledToday);
  if (note === 'failed') lines.push(s.visitFailed);
  status.textContent = lines.join(s.sep);
  status.dataset.state = note;
  status.classList.toggle('error', note === 'failed');
}

/** @param {ReturnType<typeof i18n.t>} s */
function renderLabels(s) {
  document.querySelectorAll('[data-star]').forEach((node) => {
    node.textContent = s.visitStars[Number(/** @type {HTMLElement} */ (node).dataset.star) - 1];
  });
  const tags = /** @type {Record<string, string>} */ (s.tags);
  document.querySelectorAll('[data-tag]').forEach((node) => {
    node.textContent = tags[/** @type {HTMLElement} */ (node).dataset.tag ?? ''];
  });
  const complaints = /** @type {Record<string, string>} */ (s.complaints);
  document.querySelectorAll('[data-complaint]').forEach((node) => {
    node.textContent = complaints[/** @type {HTMLElement} */ (node).dataset.complaint ?? ''];
  });
}

/** @param {ReturnType<typeof i18n.t>} s */
function renderOutbox(s) {
  const line = $('outbox');
  line.hidden = mode !== 'ready';
  const { pending, lastSent, refused } = outboxState;
  line.dataset.pending = String(pending);
  line.dataset.lastSent = lastSent === null ? '' : new Date(lastSent).toISOString();
  line.dataset.refused = String(refused);
  const last = lastSent === null ? null : shortTime(lastSent / 1000);
  const parts = [];
  if (pending) {
    parts.push(s.outboxPending(pending));
    if (last !== null) parts.push(s.outboxLast(last));
  } else {
    parts.push(last === null ? s.outboxNone : s.outboxAllSent(last));
  }
  if (refused) parts.push(s.outboxRefused(refused));
  line.textContent = parts.join(s.sep);
}
