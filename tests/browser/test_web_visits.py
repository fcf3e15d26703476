"""Visit records in the page (issue 13): what the household can do after a verdict, what
the page signs, and what it refuses to offer.

The page is the small deployment of tests/browser/pki.py, served by http.server (which
answers a POST with 501: records stay in the outbox, where these tests read them), with
the page's clock set by Playwright's clock API.  Delivery to a real ``anxinma serve`` is
in test_web_visits_e2e.py.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from anxinma.issuerdb import credential_id
from anxinma.transport import from_text
from anxinma.visit import open_visit, visit_as_dict
from anxinma.web import build_site

from . import pki
from .conftest import NO_ED25519_SCRIPT, Site, check_code, open_page

ROOT = Path(__file__).resolve().parents[2]
VECTORS = json.loads((ROOT / "spec" / "vectors" / "visit.json").read_text("utf-8"))
#: Takes Ed25519 away from WebCrypto entirely (verify and sign), as in browsers before
#: Chrome 137, Safari 17, Firefox 129.
NO_ED25519_AT_ALL = (
    NO_ED25519_SCRIPT
    + """
(() => {
  const generateKey = SubtleCrypto.prototype.generateKey;
  SubtleCrypto.prototype.generateKey = function (algorithm, ...rest) {
    const name = typeof algorithm === 'string' ? algorithm : algorithm && algorithm.name;
    if (String(name).toLowerCase() === 'ed25519') {
      return Promise.reject(new DOMException('Unrecognized algorithm name', 'NotSupportedError'));
    }
    return generateKey.call(this, algorithm, ...rest);
  };
})();
"""
)
#: The outbox and the device key as the page keeps them in IndexedDB.
READ_DEVICE = """async () => {
  const done = (r) => new Promise((ok, no) => {
    r.onsuccess = () => ok(r.result);
    r.onerror = () => no(r.error);
  });
  const db = await done(indexedDB.open('anxinma-visits'));
  const get = (store, key) => {
    const s = db.transaction(store).objectStore(store);
    return done(key === undefined ? s.getAll() : s.get(key));
  };
  const keys = await get('meta', 'device-key');
  let exported;
  try {
    await crypto.subtle.exportKey('pkcs8', keys.privateKey);
    exported = 'exported';
  } catch (e) {
    exported = e.name;
  }
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', keys.publicKey));
  const key = keys.privateKey;
  return {
    outbox: await get('outbox'), extractable: key.extractable, type: key.type, algorithm: key.algorithm.name,
    exported, publicKey: [...raw].map((b) => b.toString(16).padStart(2, '0')).join(''),
  };
}"""


def device(page: Any) -> dict[str, Any]:
    return dict(page.evaluate(READ_DEVICE))


def records(page: Any, now: dt.datetime = pki.NOW + dt.timedelta(minutes=5)) -> list[dict[str, Any]]:
    """The outbox's records, checked by the Python reference, as JSON (spec/visit-v1.md §4)."""
    out = []
    for item in sorted(device(page)["outbox"], key=lambda i: i["addedAt"]):
        data = base64.urlsafe_b64decode(item["text"] + "=" * (-len(item["text"]) % 4))
        visit = open_visit(data, now=now)
        assert item["id"] == visit.record_id.hex()
        out.append(visit_as_dict(visit))
    return out


def cred_id(code: str) -> str:
    return credential_id(from_text(code))


# -- what the page signs ---------------------------------------------------------------


def test_the_page_signs_every_valid_vector_byte_for_byte(page: Any) -> None:
    """visit.js, in the browser, with the vector's key imported non-extractable: the same bytes."""
    valid = [r for r in VECTORS["records"] if "visit" in r["expected"]]
    assert len(valid) >= 11
    key = VECTORS["keys"]["phone"]
    signed = page.evaluate(
        """async ({cases, seed, pub}) => {
          const { signVisit } = await import('./js/visit.js');
          const { fromHex, toHex } = await import('./js/bytes.js');
          const pkcs8 = fromHex('302e020100300506032b657004220420' + seed);
          const ed = { name: 'Ed25519' };
          const privateKey = await crypto.subtle.importKey('pkcs8', pkcs8, ed, false, ['sign']);
          const publicKey = await crypto.subtle.importKey('raw', fromHex(pub), ed, true, ['verify']);
          const seconds = (t) => (t === null ? null : Date.parse(t) / 1000);
          const out = {};
          for (const c of cases) {
            const v = c.expected.visit;
            out[c.id] = toHex(await signVisit({
              recordId: fromHex(v.record_id), credentialId: fromHex(v.credential_id), issuer: v.issuer,
              color: v.color, reasons: v.reasons, scannedAt: seconds(v.scanned_at),
              enteredAt: seconds(v.entered_at), madeAt: seconds(v.made_at), stars: v.stars, tags: v.tags,
              complaint: v.complaint,
            }, { privateKey, publicKey }));
          }
          return out;
        }""",
        {"cases": valid, "seed": key["seed_hex"], "pub": key["public_hex"]},
    )
    for case in valid:
        assert signed[case["id"]] == case["record_hex"], case["id"]
        now = dt.datetime.fromisoformat(case["now"])
        assert (
            visit_as_dict(open_visit(bytes.fromhex(signed[case["id"]]), now=now)) == case["expected"]["visit"]
        )


def test_records_the_page_makes_verify_in_python(page: Any) -> None:
    """Entry, then 4 stars with two tags, then a complaint: three records, signed by a key the
    page made non-extractable, each opened by anxinma.visit.open_visit with the content shown."""
    code = pki.code()
    check_code(page, code)
    page.click("#visit-enter")
    page.click("#visit-star-4")
    page.click("#visit-tag-polite")
    page.click("#visit-tag-careful")
    page.click("#visit-rate")
    page.wait_for_selector("#visit-status[data-state=rated]")
    page.click("#visit-complain")
    page.click("#visit-complaint-fees")
    page.click("#visit-file")
    page.wait_for_selector("#visit-status[data-state=filed]")
    page.wait_for_selector("#outbox[data-pending='3']")
    held = device(page)
    assert held["extractable"] is False and held["type"] == "private" and held["algorithm"] == "Ed25519"
    assert held["exported"] == "InvalidAccessError"  # the private key never leaves WebCrypto
    entry, rating, complaint = records(page)
    at = pki.NOW.isoformat()
    common = {"device_kid": entry["device_kid"], "credential_id": cred_id(code), "issuer": "nb",
              "color": "green", "reasons": [], "scanned_at": at, "entered_at": at, "made_at": at}  # fmt: skip
    assert entry == {**common, "record_id": entry["record_id"], "stars": None, "tags": [], "complaint": []}
    assert rating == {**common, "record_id": rating["record_id"], "stars": 4, "tags": ["polite", "careful"],
                      "complaint": []}  # fmt: skip
    assert complaint == {**common, "record_id": complaint["record_id"], "stars": None, "tags": [],
                         "complaint": ["fees"]}  # fmt: skip
    assert len({entry["record_id"], rating["record_id"], complaint["record_id"]}) == 3
    assert entry["device_kid"] == hashlib.sha256(bytes.fromhex(held["publicKey"])).hexdigest()[:16]
    assert page.is_hidden("#visit-complain") and page.is_hidden("#visit-rating")


# -- what the page offers ----------------------------------------------------------------


def test_red_offers_a_complaint_only(page: Any) -> None:
    code = pki.code(index=pki.REVOKED_INDEX)
    assert check_code(page, code)["reasons"] == "revoked"
    page.wait_for_selector("#visit[data-step=red][data-offered=true]")
    assert page.is_hidden("#visit-enter") and page.is_hidden("#visit-rating")
    assert "不提供入户确认和评价" in page.inner_text("#visit")
    page.click("#visit-complain")
    assert page.is_disabled("#visit-file")  # at least one category
    page.click("#visit-complaint-identity")
    page.click("#visit-file")
    page.wait_for_selector("#visit-status[data-state=filed]")
    (record,) = records(page)
    got = (record["color"], record["reasons"], record["entered_at"], record["stars"], record["complaint"])
    assert got == ("red", ["revoked"], None, None, ["identity"])


def test_yellow_may_be_entered_and_rated_with_its_reasons(page: Any) -> None:
    check_code(page, pki.code(insurance_valid_until="2026-10-31"))
    page.click("#visit-enter")
    page.click("#visit-star-3")
    page.click("#visit-rate")
    page.wait_for_selector("#visit-status[data-state=rated]")
    _, rating = records(page)
    assert (rating["color"], rating["reasons"], rating["stars"]) == ("yellow", ["insurance_expired"], 3)


def test_a_code_without_a_credential_offers_nothing(page: Any) -> None:
    assert check_code(page, pki.tampered(pki.code()))["reasons"] == "signature_invalid"
    assert page.is_hidden("#visit") and page.is_hidden("#visit-enter")
    assert check_code(page, "AXM1:NOT-A-CODE")["color"] == "red"
    assert page.is_hidden("#visit")


def test_one_evaluation_per_credential_per_china_day(page: Any) -> None:
    code = pki.code()
    check_code(page, code)
    page.click("#visit-enter")
    page.click("#visit-star-5")
    page.click("#visit-rate")
    page.wait_for_selector("#visit-status[data-state=rated]")
    page.clock.set_fixed_time(pki.NOW + dt.timedelta(hours=13))  # 23:30 the same day in China
    check_code(page, code)
    page.click("#visit-enter")  # another entry the same day is a record of its own (亮证率)
    page.wait_for_selector("#visit[data-step=entered]")
    assert page.is_hidden("#visit-rating") and "今天已评价过" in page.inner_text("#visit-status")
    assert page.is_visible("#visit-complain")  # a complaint is still possible
    page.clock.set_fixed_time(pki.NOW + dt.timedelta(hours=14))  # 00:30 the next day
    check_code(page, code)
    page.click("#visit-enter")
    page.wait_for_selector("#visit-rating:not([hidden])")
    page.click("#visit-star-4")
    page.click("#visit-rate")
    page.wait_for_selector("#visit-status[data-state=rated]")
    got = [(r["stars"], r["scanned_at"][:10]) for r in records(page, now=pki.NOW + dt.timedelta(hours=15))]
    assert got == [(None, "2026-11-27"), (5, "2026-11-27"), (None, "2026-11-27"), (None, "2026-11-28"),
                   (4, "2026-11-28")]  # fmt: skip


def test_the_visit_in_progress_survives_a_reload_for_its_rating(page: Any) -> None:
    check_code(page, pki.code())
    page.click("#visit-enter")
    page.wait_for_selector("#visit[data-step=entered]")
    page.clock.set_fixed_time(pki.NOW + dt.timedelta(hours=3))  # the service is over
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector("#visit[data-step=entered]")
    assert page.is_hidden("#verdict")
    assert page.inner_text("#visit-who") == "本次上门：王秀英（服务证号 NB2021000123）"
    assert "已确认入户（11-27 10:30）" in page.inner_text("#visit-entered")
    page.click("#visit-star-5")
    page.click("#visit-rate")
    page.wait_for_selector("#visit-status[data-state=rated]")
    entry, rating = records(page, now=pki.NOW + dt.timedelta(hours=3, minutes=1))
    assert rating["scanned_at"] == entry["scanned_at"] == rating["entered_at"] == pki.NOW.isoformat()
    assert rating["made_at"] == (pki.NOW + dt.timedelta(hours=3)).isoformat()


def test_english_and_screen_reader_labels(page: Any) -> None:
    check_code(page, pki.code())
    page.click("#lang")
    page.click("#visit-enter")
    page.wait_for_selector("#visit[data-step=entered]")
    text = page.inner_text("#visit")
    assert "Entry confirmed" in text and "on time" in text and "a pseudonym" in text
    assert page.inner_text("#visit-rate") == "Send rating"
    labels = page.evaluate(
        """() => [...document.querySelectorAll('#visit input')].map((i) => [i.id, i.labels.length,
             i.labels.length ? i.labels[0].textContent.trim() : ''])"""
    )
    assert len(labels) == 5 + 6 + 8
    assert all(n == 1 and name for _, n, name in labels), labels
    assert dict((i, name) for i, _, name in labels)["visit-star-5"].endswith("5 stars, excellent")
    for fieldset in ("visit-stars", "visit-tags", "visit-categories"):
        assert (
            page.eval_on_selector(f"#{fieldset}", "f => f.querySelector('legend').textContent.trim()") != ""
        )
    assert page.get_attribute("#visit-status", "role") == "status"
    sizes = page.eval_on_selector_all(
        "#visit .star, #visit .chip span, #visit button:not([hidden]), #visit-enter",
        "els => els.filter((e) => e.offsetParent).map((e) => e.getBoundingClientRect().height)",
    )
    assert sizes and min(sizes) >= 44, sizes  # thumb-sized targets


def test_without_ed25519_the_page_verifies_but_offers_no_records(chromium: Any, pki_site: Any) -> None:
    """Decided: no extractable key, no pure-JS signing: the fallback verifies, and the page says
    why it cannot send entries, ratings or complaints."""
    page = open_page(chromium, pki_site.url, clock=pki.NOW, init_script=NO_ED25519_AT_ALL)
    assert check_code(page, pki.code())["color"] == "green"  # through the pure-JS fallback
    page.wait_for_selector("#visit[data-offered=false][data-why=no-ed25519]")
    assert "不支持 Ed25519" in page.inner_text("#visit-unavailable")
    assert page.is_hidden("#visit-enter") and page.is_hidden("#visit-complain") and page.is_hidden("#outbox")
    key = page.evaluate(
        "() => new Promise((ok) => { const r = indexedDB.open('anxinma-visits'); r.onsuccess = () =>"
        " r.result.transaction('meta').objectStore('meta').get('device-key').onsuccess ="
        " (e) => ok(e.target.result ?? null); })"
    )
    assert key is None  # no key was made
    assert page.errors == []
    page.context.close()


def test_a_build_without_visits_offers_nothing_and_sends_nothing(chromium: Any, tmp_path: Path) -> None:
    build_site(tmp_path / "site", pki.documents(), now=pki.NOW, visits_url=None)
    site = Site(tmp_path / "site").start()
    try:
        page = open_page(chromium, site.url, clock=pki.NOW)
        assert check_code(page, pki.code())["color"] == "green"
        assert page.is_hidden("#visit") and page.is_hidden("#visit-enter") and page.is_hidden("#outbox")
        page.context.close()
    finally:
        site.stop()


def test_records_the_endpoint_refuses_leave_the_outbox_and_are_counted(chromium: Any, tmp_path: Path) -> None:
    """An endpoint that never issued this credential refuses its records for good
    (unknown_credential, not retryable): they leave the outbox and the page counts them."""
    pytest.importorskip("uvicorn", reason="the [server] extra is not installed")
    from anxinma.server.loadtest import ServerProcess
    from anxinma.visitdb import VisitDB

    build_site(tmp_path / "site", pki.documents(), now=pki.NOW)
    VisitDB(tmp_path / "issuer.db").close()
    server = ServerProcess(tmp_path / "issuer.db", extra=["--site", str(tmp_path / "site")])
    server.start()
    try:
        page = open_page(chromium, f"http://127.0.0.1:{server.port}/", clock=pki.NOW)
        check_code(page, pki.code())
        page.click("#visit-enter")
        page.wait_for_selector("#outbox[data-pending='0'][data-refused='1']", timeout=15_000)
        assert "1 条被发证机构拒收" in page.inner_text("#outbox")
        assert page.get_attribute("#outbox", "data-last-sent") == ""  # nothing was acknowledged
        assert page.errors == []
        page.context.close()
    finally:
        server.stop()
