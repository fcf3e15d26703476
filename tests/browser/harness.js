// The test harness run inside the page (page.evaluate): it imports the page's own modules
// from the served site and runs spec vectors or differential cases through them.  It is
// the same code the page runs on a scan; only the inputs (trust, clock) come from the test.
async ({ op, input }) => {
  const site = new URL('./js/', document.baseURI).href;
  const [verifyM, trustM, statusM, directoryM, bytesM, reportM, ed, stateM, documentM, idM, gbM] = await Promise.all(
    ['verify', 'trust', 'status', 'directory', 'bytes', 'report', 'ed25519', 'state', 'document', 'idcheck', 'gbcodes'].map(
      (m) => import(`${site}${m}.js`),
    ),
  );
  const { fromHex, toHex } = bytesM;
  const seconds = (iso) => Date.parse(iso) / 1000;

  /** The documents of a vector or case, loaded as a verifier loads them (spec §14.1): each
   * status list on its own, then the directory; one that fails is not held, and reported. */
  async function held(spec, now) {
    let trust;
    if (spec.keyring) trust = await trustM.keyring(spec.keyring.map(fromHex));
    else trust = await trustM.loadTrustList(fromHex(spec.trust_list_hex), spec.roots.map(fromHex), { now });
    const lists = [];
    const documents = [];
    for (const hex of spec.status_lists_hex ?? []) {
      try {
        lists.push(await statusM.loadStatusList(fromHex(hex), trust, { now }));
        documents.push({ kind: 'status_list', loaded: true, reason: null });
      } catch (exc) {
        if (!exc.reason) throw exc;
        documents.push({ kind: 'status_list', loaded: false, reason: exc.reason });
      }
    }
    let directory = null;
    if (spec.directory_hex) {
      try {
        directory = await directoryM.loadDirectory(fromHex(spec.directory_hex), spec.roots.map(fromHex), { now });
        documents.push({ kind: 'directory', loaded: true, reason: null });
      } catch (exc) {
        if (!exc.reason) throw exc;
        documents.push({ kind: 'directory', loaded: false, reason: exc.reason });
      }
    }
    return { trust, lists, directory, documents };
  }

  /** A vector's policy (spec §14.1) as the page's Policy. */
  function policyOf(spec) {
    const p = { ...verifyM.DEFAULT_POLICY };
    if (spec?.unchecked_status_color) p.uncheckedStatusColor = spec.unchecked_status_color;
    if (spec?.unlisted_enterprise_color) p.unlistedEnterpriseColor = spec.unlisted_enterprise_color;
    if (spec?.stale_status_color) p.staleStatusColor = spec.stale_status_color;
    return p;
  }

  async function verifyOne(text, spec, now, idNumber, leeway, policy) {
    const h = await held(spec, now);
    let result;
    try {
      result = await verifyM.verify(text, h.trust, { now, status: h.lists, directory: h.directory, idNumber, leeway, policy: policyOf(policy) });
    } catch (exc) {
      return { error: `${exc.name}: ${exc.message}` };
    }
    const json = reportM.verdictJson(result, { now, trust: h.trust, documents: h.documents });
    return {
      json,
      compact: {
        color: json.color,
        reasons: json.reasons,
        kid: json.kid,
        id_match: json.id_match,
        issuer: result.issuer === null ? null : result.issuer.id,
        status: { state: json.status.state, value: json.status.value },
        enterprise: json.enterprise,
        documents: h.documents,
        credential: json.credential,
      },
    };
  }

  if (op === 'verify-vectors') {
    const out = {};
    for (const { file, leeway, vectors } of input) {
      for (const v of vectors) {
        const trustSpec = { ...v.trust, status_lists_hex: v.status_lists_hex, directory_hex: v.directory_hex };
        if (trustSpec.roots === undefined) trustSpec.roots = v.trust.roots;
        out[`${file}:${v.id}`] = await verifyOne(v.text, trustSpec, seconds(v.now), v.id_number ?? null, leeway, v.policy);
      }
    }
    return { results: out, engine: ed.engine };
  }

  if (op === 'document-vectors') {
    const out = {};
    for (const v of input) {
      const now = seconds(v.now);
      const roots = v.roots.map(fromHex);
      const state = v.state === undefined ? stateM.EMPTY_STATE : stateM.parseState(v.state);
      if (state === null) throw new Error(`vector ${v.id}: unreadable state`);
      try {
        if (v.document === 'trust_list') {
          const t = await trustM.loadTrustList(fromHex(v.data_hex), roots, { now, minSequence: state.trust_list_sequence });
          out[v.id] = { error: null, loaded: { sequence: t.sequence, issuers: t.issuers.map((i) => i.id) } };
        } else if (v.document === 'status_list') {
          const t = await trustM.loadTrustList(fromHex(v.trust_list_hex), roots, { now });
          const s = await statusM.loadStatusList(fromHex(v.data_hex), t, { now, statusIat: state.status_lists });
          out[v.id] = { error: null, loaded: { uri: s.uri, issued_at: documentM.isoTime(s.issuedAt), size: s.size } };
        } else {
          const d = await directoryM.loadDirectory(fromHex(v.data_hex), roots, { now, minSequence: state.directory_sequence });
          out[v.id] = { error: null, loaded: { sequence: d.sequence, enterprises: [...d.enterprises.keys()] } };
        }
      } catch (exc) {
        out[v.id] = exc.reason ? { error: exc.reason } : { error: `EXCEPTION ${exc.name}: ${exc.message}` };
      }
    }
    return out;
  }

  if (op === 'id-number') {
    return input.map((v) => {
      const normalized = idM.normalizeIdNumber(v.typed);
      return { normalized, valid: gbM.idNumberProblem(normalized) === null };
    });
  }

  if (op === 'base45') {
    const b45 = await import(`${site}base45.js`);
    const valid = input.valid.map((v) => [b45.encode(fromHex(v.hex)) === v.base45, toHex(b45.decode(v.base45)) === v.hex]);
    const invalid = input.invalid.map((v) => {
      try {
        b45.decode(v.base45);
        return null;
      } catch (exc) {
        return exc.position;
      }
    });
    return { valid, invalid };
  }

  if (op === 'cose-known-answer') {
    const cose = await import(`${site}cose.js`);
    const tbs = cose.sigStructure(fromHex(input.protected_hex), fromHex(input.payload_hex));
    const ok = await ed.verify(fromHex(input.key.x_hex), fromHex(input.signature_hex), tbs);
    return { tbs: toHex(tbs), ok };
  }

  if (op === 'cases') {
    // Differential cases: one shared set of documents, many codes.
    const out = [];
    const cache = new Map();
    for (const c of input) {
      const key = JSON.stringify([c.docs, c.now]);
      let h = cache.get(key);
      if (h === undefined) {
        try {
          h = await held(c.docs, c.now);
        } catch (exc) {
          if (!exc.reason) throw exc;
          h = { error: `trust:${exc.reason}` };
        }
        cache.set(key, h);
      }
      if (h.error) {
        out.push({ error: h.error });
        continue;
      }
      let result;
      try {
        const r = await verifyM.verify(c.text, h.trust, { now: c.now, status: h.lists, directory: h.directory, idNumber: c.id_number ?? null, policy: policyOf(c.policy) });
        result = reportM.verdictJson(r, { now: c.now, trust: h.trust, documents: h.documents });
      } catch (exc) {
        result = { error: exc.name };
      }
      out.push(result);
    }
    return out;
  }

  if (op === 'engine') {
    await ed.hasWebCryptoEd25519();
    return { webcrypto: await ed.hasWebCryptoEd25519() };
  }
  throw new Error(`unknown op ${op}`);
}
