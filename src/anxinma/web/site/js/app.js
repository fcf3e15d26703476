// @ts-check
/**
 * The page: wires the verifier (verify.js), the documents held (held.js), the QR reader
 * (scanner.js) and the screen together.  The only clock is the device's (Date.now());
 * the only network requests go to this page's own origin.
 *
 * Test contract (kept stable): #code + #check, #photo, #scan, #id-number; #verdict with
 * data-color, data-reasons (comma-separated reason codes, as `anxinma verify --json`) and
 * data-id-match (true|false when a number was typed).  body[data-ready=true] once a
 * trust list is loaded.  The visit panel's ids (#visit, #visit-enter, ...): household.js
 * and docs/web.md.
 * @module app
 */
import config from '../config.js';
import * as i18n from './i18n.js';
import { fromHex } from './bytes.js';
import { dayText, SERVICES } from './claims.js';
import { openStore } from './store.js';
import { Held } from './held.js';
import { verify, checkNow, DEFAULT_POLICY } from './verify.js';
import { verdictJson } from './report.js';
import { UsageError } from './errors.js';
import { Camera, decode, imageDataOf, getDecoder } from './scanner.js';
import { canDecompress } from './status.js';
import * as household from './household.js';

/** @param {string} id @returns {any} */
const $ = (id) => /** @type {any} */ (document.getElementById(id));
const now = () => Date.now() / 1000;

/** @type {Held} */
let held;
/** The verdict policy: the spec's defaults, or what the build says (a demo build counts its
 * long-lived demo status list fresh, as `anxinma demo` does). */
const policy = { ...DEFAULT_POLICY, ...(config.policy ?? {}) };
/** The last code checked and its verdict, for re-rendering (language, ID number). */
let last = /** @type {{text: string, result: import('./verify.js').Verification, json: Record<string, unknown>} | null} */ (null);
/** @type {Camera | null} */
let camera = null;
/** @type {'pending' | 'yes' | 'no'} */
let offline = 'pending';

/** @param {string} text @param {boolean} [error] */
function say(text, error = false) {
  const message = $('message');
  message.textContent = text;
  message.classList.toggle('error', error);
}

function applyLanguage() {
  const s = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (i18n.t()));
  for (const node of document.querySelectorAll('[data-i18n]')) {
    const key = /** @type {HTMLElement} */ (node).dataset.i18n ?? '';
    if (typeof s[key] === 'string') node.textContent = /** @type {string} */ (s[key]);
  }
  document.title = i18n.t().title;
  $('lang').textContent = i18n.t().lang;
  $('lang').lang = i18n.lang() === 'en' ? 'zh-CN' : 'en';
  if ($('scan').dataset.running === 'true') $('scan').textContent = i18n.t().stopScan;
  renderData();
  if (last !== null) renderVerdict(last.result, last.json);
  household.render();
}

// -- the documents held -------------------------------------------------------------

function renderData() {
  if (!held) return;
  const s = i18n.t();
  const at = now();
  const lines = [];
  if (held.trust !== null) lines.push(s.trustAge(/** @type {number} */ (held.trust.sequence), i18n.ago(at - /** @type {number} */ (held.trust.issuedAt))));
  if (held.statuses.length) {
    const newest = Math.max(...held.statuses.map((t) => t.issuedAt));
    lines.push(s.statusAge(held.statuses.length, i18n.ago(at - newest)));
  } else lines.push(s.statusAgeNone);
  if (!canDecompress()) lines.push(s.noDecompress);
  lines.push(held.directory === null ? s.directoryNone : s.directoryAge(held.directory.sequence, i18n.ago(at - held.directory.issuedAt)));
  if (!held.store.persistent) lines.push(s.storageNo);
  lines.push(navigator.onLine ? s.online : s.offline);
  const list = $('data-ages');
  list.replaceChildren(...lines.map((line) => Object.assign(document.createElement('li'), { textContent: line })));
  $('offline').textContent = offline === 'yes' ? s.offlineYes : offline === 'no' ? s.offlineNo : s.offlinePending;
  $('offline').dataset.offline = offline;
  const notices = $('notices');
  notices.replaceChildren(
    ...held.notices.map((n) => {
      const item = document.createElement('li');
      item.dataset.reason = n.reason;
      item.dataset.file = n.file;
      const why = /** @type {Record<string, string>} */ (s.documentReasons)[n.reason] ?? n.reason;
      item.textContent = n.reason === 'rollback' ? s.rollback(n.file) : s.refused(n.file, why);
      return item;
    }),
  );
}

function setReady() {
  const ready = held.trust !== null;
  if (ready && document.body.dataset.ready !== 'true') performance.mark('anxinma-ready');
  document.body.dataset.ready = String(ready);
  for (const id of ['scan', 'check', 'photo']) $(id).disabled = !ready;
  if (!ready) say(i18n.t().noTrust, true);
  else if ($('message').classList.contains('error') || !$('message').textContent) say(i18n.t().ready);
}

async function refresh() {
  try {
    const changed = await held.refresh(now());
    renderData();
    setReady();
    if (changed) say(i18n.t().updated);
    if (changed && last !== null) await check(last.text);
  } catch (exc) {
    console.error('refresh', exc);
  }
}

// -- the verdict ------------------------------------------------------------------------

/** @param {number} seconds */
function cstTime(seconds) {
  return new Date((seconds + 8 * 3600) * 1000).toISOString().slice(0, 16).replace('T', ' ');
}

/**
 * @param {import('./verify.js').Verification} result
 * @param {Record<string, unknown>} json
 */
function renderVerdict(result, json) {
  const s = i18n.t();
  const box = $('verdict');
  box.dataset.color = result.color;
  box.dataset.reasons = result.reasons.join(',');
  box.dataset.kid = json.kid ?? '';
  if (result.idMatch === null) delete box.dataset.idMatch;
  else box.dataset.idMatch = String(result.idMatch);
  $('verdict-word').textContent = s.colorWord[result.color];
  $('verdict-lead').textContent = s.colorLead[result.color];
  const reasons = /** @type {Record<string, string>} */ (s.reasons);
  $('verdict-reasons').replaceChildren(
    ...result.reasons.map((code) => {
      const item = document.createElement('li');
      item.textContent = reasons[code] ?? code;
      item.dataset.reason = code;
      return item;
    }),
  );
  const cred = result.credential;
  $('verdict-name').textContent = cred === null ? '' : cred.name;
  /** @type {[string, string, string?][]} */
  const rows = [];
  if (cred !== null) {
    const f = s.field;
    const idText = `${cred.id_hint.region}************`;
    rows.push([f.id, idText]);
    if (result.idMatch !== null) rows.push(['', s.idMatch[String(result.idMatch) === 'true' ? 'true' : 'false'], result.idMatch ? 'good id-result' : 'bad id-result']);
    const enterprise = result.enterprise;
    if (enterprise !== null) rows.push([f.enterprise, enterprise.district ? `${enterprise.name} · ${enterprise.district}` : enterprise.name]);
    else rows.push([f.enterprise, `${cred.enterprise_uscc}（${held.directory === null ? s.notCheckedDirectory : s.notInDirectory}）`, held.directory === null ? '' : 'bad']);
    const names = new Map(SERVICES);
    rows.push([f.services, cred.services.map((n) => (i18n.lang() === 'en' ? n.replace(/_/g, ' ') : names.get(n) ?? n)).join('、')]);
    rows.push([f.validUntil, cstTime(cred.expires_at), result.reasons.includes('expired') ? 'bad' : '']);
    rows.push(dateRow(f.health, cred.health_exam_valid_until, result.reasons.includes('health_exam_expired')));
    rows.push(dateRow(f.insurance, cred.insurance_valid_until, result.reasons.includes('insurance_expired')));
    if (cred.background_check !== null) {
      const flagged = cred.background_check.result === 'flagged';
      rows.push([f.background, `${flagged ? s.backgroundFlagged : s.backgroundClear}（${dayText(cred.background_check.checked_on)}）`, flagged ? 'bad' : '']);
    }
    if (cred.credit_score !== null) rows.push([f.credit, String(cred.credit_score)]);
    if (cred.rating !== null) rows.push([f.rating, s.ratingText((cred.rating.tenths / 10).toFixed(1), cred.rating.count)]);
    if (cred.training_hours !== null) rows.push([f.training, s.hours(cred.training_hours)]);
    rows.push([f.card, cred.card_no]);
    if (result.issuer !== null) rows.push([f.issuer, result.issuer.name]);
    rows.push([f.status, statusText(result)]);
  }
  $('verdict-fields').replaceChildren(
    ...rows.flatMap(([term, value, cls]) => {
      const dt = Object.assign(document.createElement('dt'), { textContent: term });
      const dd = Object.assign(document.createElement('dd'), { textContent: value });
      if (cls) dd.className = cls;
      return [dt, dd];
    }),
  );
  box.hidden = false;
}

/** @param {string} label @param {number | null} days @param {boolean} expired @returns {[string, string, string?]} */
function dateRow(label, days, expired) {
  const s = i18n.t();
  if (days === null) return [label, s.none, 'bad'];
  return [label, dayText(days) + (expired ? s.expiredMark : ''), expired ? 'bad' : ''];
}

/** @param {import('./verify.js').Verification} result */
function statusText(result) {
  const s = i18n.t();
  const check = result.status;
  if (check.state === 'not_checked') {
    if (check.list !== null) return s.statusOutOfRange;
    return result.reasons.includes('status_not_checked') ? s.statusNotChecked : s.statusNone;
  }
  const age = i18n.ago(/** @type {number} */ (check.age));
  const value = /** @type {number} */ (check.value);
  if (check.state === 'stale') return `${s.statusStale(age)}；${s.statusValue[value]}`;
  return value === 0 ? s.statusChecked(age) : s.statusValue[value];
}

/**
 * Verify a code's text and show the verdict.  ``fresh``: a code the household just scanned,
 * photographed or pasted (it may start a visit); otherwise the same code judged again.
 * @param {string} text @param {boolean} [fresh]
 */
async function check(text, fresh = false) {
  if (held.trust === null) return;
  const at = now();
  try {
    checkNow(at);
  } catch {
    say(i18n.t().clockBad, true);
    return;
  }
  const box = $('verdict');
  for (const key of ['color', 'reasons', 'idMatch', 'kid']) delete box.dataset[key];
  const typed = $('id-number').value.trim() ? $('id-number').value : null;
  const options = { now: at, status: held.statuses, directory: held.directory, policy };
  performance.mark('anxinma-verify-start');
  let result;
  try {
    result = await verify(text, held.trust, { ...options, idNumber: typed });
    say('');
  } catch (exc) {
    if (!(exc instanceof UsageError)) throw exc;
    result = await verify(text, held.trust, options);
    say(i18n.t().idInvalid, true);
  }
  performance.measure('anxinma-verify', 'anxinma-verify-start');
  const json = verdictJson(result, { now: at, trust: held.trust, documents: held.reports });
  last = { text, result, json };
  renderVerdict(result, json);
  box.scrollIntoView({ block: 'start' });
  if (fresh) await household.offer(result, text, at);
  else await household.update(result);
}

// -- reading codes ---------------------------------------------------------------------

/** The worker's code among the texts of one image (a card also carries a link code). @param {string[]} texts */
function pickCode(texts) {
  return texts.find((t) => t.trim().startsWith('AXM')) ?? null;
}

async function toggleScan() {
  if (camera !== null) {
    stopScan();
    return;
  }
  const s = i18n.t();
  say(s.cameraStarting);
  camera = new Camera($('video'));
  $('camera').hidden = false;
  $('camera').scrollIntoView({ block: 'start' });
  $('scan').dataset.running = 'true';
  $('scan').textContent = s.stopScan;
  try {
    await Promise.all([camera.start(), getDecoder()]);
  } catch (exc) {
    console.warn('camera', exc);
    stopScan();
    say(s.cameraDenied, true);
    $('photo-label').focus();
    return;
  }
  say(s.cameraAim);
  const running = camera;
  await running.loop(async (texts) => {
    const code = pickCode(texts);
    if (code === null) {
      say(i18n.t().linkCodeOnly);
      return false;
    }
    stopScan();
    await check(code, true);
    return true;
  });
}

function stopScan() {
  if (camera !== null) camera.stop();
  camera = null;
  $('camera').hidden = true;
  $('scan').dataset.running = 'false';
  $('scan').textContent = i18n.t().scan;
}

async function readPhoto() {
  const input = $('photo');
  const file = input.files && input.files[0];
  if (!file) return;
  try {
    const texts = await decode(await imageDataOf(file));
    const code = pickCode(texts);
    if (code === null) say(texts.length ? i18n.t().linkCodeOnly : i18n.t().noCodeInPhoto, true);
    else await check(code, true);
  } catch (exc) {
    console.warn('photo', exc);
    say(i18n.t().decoderMissing, true);
  } finally {
    input.value = '';
  }
}

// -- start -----------------------------------------------------------------------------

/** The language chosen last time (localStorage may be missing or refuse, e.g. private windows). */
function remembered() {
  try {
    return localStorage.getItem('anxinma-lang');
  } catch {
    return null;
  }
}

/** @param {string} lang */
function remember(lang) {
  try {
    localStorage.setItem('anxinma-lang', lang);
  } catch {
    // the choice then lasts this visit only
  }
}

async function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) {
    offline = 'no';
    renderData();
    return;
  }
  try {
    const registration = await navigator.serviceWorker.register('sw.js', { scope: './' });
    if (!registration) throw new Error('no service worker registration');
    await navigator.serviceWorker.ready;
    offline = 'yes';
  } catch (exc) {
    console.warn('service worker', exc);
    offline = 'no';
  }
  renderData();
}

async function main() {
  $('unsupported').hidden = true; // shown until a browser that runs these modules gets here
  i18n.setLang(remembered() === 'en' ? 'en' : 'zh-CN');
  applyLanguage();
  $('demo').hidden = !config.demo;
  if (!globalThis.isSecureContext || !globalThis.crypto || !crypto.subtle) {
    say(i18n.t().insecure, true);
    return;
  }
  say(i18n.t().loading);
  try {
    checkNow(now());
  } catch {
    say(i18n.t().clockBad, true); // a clock outside the format's range: nothing can be judged
    return;
  }
  held = new Held({ roots: config.roots.map(fromHex), store: await openStore() });
  await held.start(now());
  const first = held.trust === null ? refresh() : null;
  if (first !== null) await first;
  renderData();
  setReady();
  document.body.dataset.decompress = String(canDecompress());

  $('lang').addEventListener('click', () => {
    i18n.setLang(i18n.lang() === 'en' ? 'zh-CN' : 'en');
    remember(i18n.lang());
    applyLanguage();
  });
  $('check').addEventListener('click', () => check($('code').value, true));
  $('scan').addEventListener('click', () => toggleScan());
  $('photo').addEventListener('change', () => readPhoto());
  $('id-number').addEventListener('change', () => last !== null && check(last.text));
  $('id-number').addEventListener('keydown', (/** @type {KeyboardEvent} */ e) => {
    if (e.key === 'Enter' && last !== null) check(last.text);
  });
  window.addEventListener('online', () => refresh());
  window.addEventListener('offline', () => renderData());
  setInterval(() => renderData(), 60000);
  setInterval(() => navigator.onLine && refresh(), 15 * 60000);

  await household.start({ url: config.visitsUrl ?? null, now });
  registerServiceWorker();
  if (first === null) refresh();
}

main().catch((exc) => {
  console.error(exc);
  say(String(exc), true);
});
