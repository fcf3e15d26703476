"""What printing a worker's code as a link would cost in QR size (issue 11; docs/web.md).

    python bench/web_link.py

A "link" code is the verifier page's address with the code in the URL fragment,
``https://verify.example.cn/#AXM1:...``, so that a phone's own camera or WeChat opens the
page straight away.  '#', ':' of the scheme and lower-case letters are outside the QR
alphanumeric set, so the symbol needs either byte mode for everything (what segno, and
anxinma's card renderer, pick) or a mixed encoding (byte for the address, alphanumeric for
the code: zxing-cpp's writer does it).  For the reference code, with and without a status
entry, and the worst case of spec §7.2, this prints the QR version at level M for the code
alone and for three addresses under both encoders, and the module size the card's QR box
(made for version 11) would leave.  Each symbol is read back with zxing-cpp to prove it.
"""

from __future__ import annotations

import datetime as dt

import segno
import zxingcpp

import anxinma
from anxinma import _demo
from anxinma.card import _QUIET, MAX_VERSION, MODULE_MM

NOW = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
ADDRESSES = ("https://verify.nb.gov.cn/#", "https://axm.cn/#", "HTTPS://AXM.CN/#")
BOX_MM = (17 + 4 * MAX_VERSION + 2 * _QUIET) * MODULE_MM


def zxing_version(text: str) -> int:
    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    assert zxingcpp.read_barcode(zxingcpp.write_barcode_to_image(barcode, scale=4)).text == text
    side = zxingcpp.write_barcode_to_image(barcode, scale=1, add_quiet_zones=False).shape[0]
    return (side - 17) // 4


def segno_version(text: str) -> int:
    return int(segno.make_qr(text, error="m", boost_error=False).version)


def module_mm(version: int) -> float:
    """The module size if the symbol must fit the card's QR box (quiet zone included)."""
    return BOX_MM / (17 + 4 * version + 2 * _QUIET)


def codes() -> list[tuple[str, str]]:
    worker = anxinma.parse_worker(_demo.reference_record())
    key = _demo.private_key()
    worst = _demo.reference_record() | {
        "name": "欧阳" * 10,
        "id_number": "110101199003070038",
        "card_no": "ZZZZZZZZZZZZ",
        "services": [s.value for s in anxinma.Service],
        "background_check": {"result": "flagged", "checked_on": "2026-01-01"},
        "health_exam_valid_until": "2099-12-31",
        "insurance_valid_until": "2099-12-31",
        "training_hours": 65535,
        "credit_score": 100,
        "rating": {"average": 5.0, "count": 1_000_000},
    }
    return [
        ("reference", anxinma.issue(worker, key, now=NOW)),
        ("reference + status", anxinma.issue(worker, key, now=NOW, status=_demo.STATUS_REF)),
        (
            "worst case",
            anxinma.issue(
                anxinma.parse_worker(worst),
                key,
                now=NOW,
                valid_days=1830,
                status=anxinma.StatusRef(255, 2**24 - 1),
            ),
        ),
    ]


def main() -> int:
    print(
        f"card QR box {BOX_MM:.1f} mm: the code alone prints at {MODULE_MM:.3f} mm a module "
        f"(version <= {MAX_VERSION});"
    )
    print("a link version above that must shrink its modules to fit the box (in brackets)")
    print("| code | chars | alone | link | chars | mixed (zxing-cpp) | byte only (segno) |")
    print("|---|---:|---|---|---:|---|---|")
    for name, code in codes():
        alone = segno_version(code)
        assert zxing_version(code) == alone
        for address in ADDRESSES:
            link = address + code
            mixed, byte = zxing_version(link), segno_version(link)
            print(
                f"| {name} | {len(code)} | {alone} | `{address}` | {len(link)} | "
                f"{mixed} ({module_mm(mixed):.2f} mm) | {byte} ({module_mm(byte):.2f} mm) |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
