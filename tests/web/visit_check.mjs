// Drives src/anxinma/web/visit.js and outbox.js under Node (tests/test_web_visit.py).
//   node visit_check.mjs sign '<json>'      -> the record's hex, or "problem: ..."
//   node visit_check.mjs outbox URL CRED_HEX N SCANNED
//        makes N records with a fresh non-extractable device key, flushes while the endpoint
//        is down (prints "offline <kept>"), then retries until every record is answered and
//        prints a JSON summary.
import { signVisit, visitProblem, newRecordId } from '../../src/anxinma/web/site/js/visit.js';
import { Outbox, memoryStore } from '../../src/anxinma/web/site/js/outbox.js';

const fromHex = (h) => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));
const toHex = (b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');

async function keysFromSeed(seedHex, publicHex) {
  const pkcs8 = Uint8Array.from([...fromHex('302e020100300506032b657004220420'), ...fromHex(seedHex)]);
  const privateKey = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign']);
  const publicKey = await crypto.subtle.importKey('raw', fromHex(publicHex), { name: 'Ed25519' }, true, ['verify']);
  return { privateKey, publicKey };
}

function content(j) {
  return {
    recordId: fromHex(j.record_id), credentialId: fromHex(j.credential_id), issuer: j.issuer, color: j.color,
    reasons: j.reasons, scannedAt: j.scanned_at, enteredAt: j.entered_at, madeAt: j.made_at, stars: j.stars,
    tags: j.tags, complaint: j.complaint,
  };
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'sign') {
  const j = JSON.parse(args[0]);
  const v = content(j);
  const problem = visitProblem(v);
  if (problem) {
    console.log(`problem: ${problem}`);
  } else {
    console.log(toHex(await signVisit(v, await keysFromSeed(j.seed, j.public_key))));
  }
} else if (mode === 'outbox') {
  const [url, credHex, n, scanned] = args;
  const keys = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  const outbox = new Outbox(url, memoryStore());
  const ids = [];
  for (let i = 0; i < Number(n); i += 1) {
    const recordId = newRecordId();
    const at = Number(scanned) + i;
    const v = { recordId, credentialId: fromHex(credHex), issuer: 'nb-commerce', color: 'green', reasons: [],
      scannedAt: at, enteredAt: at + 60, madeAt: at + 3600, stars: 5, tags: ['punctual'], complaint: [] };
    await outbox.add(await signVisit(v, keys), recordId);
    ids.push(toHex(recordId));
  }
  const offline = await outbox.flush();
  console.log(`offline ${offline.kept} ${offline.error === null ? 'no-error' : 'error'}`);
  const results = [];
  const deadline = Date.now() + 60000;
  while ((await outbox.pending()) > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    const r = await outbox.flush();
    if (r.sent) results.push(r);
  }
  const again = await outbox.flush();  // nothing left: sends nothing
  console.log(JSON.stringify({ ids, pending: await outbox.pending(), results, again,
    extractable: keys.privateKey.extractable }));
}
