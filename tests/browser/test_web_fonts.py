"""Chinese is drawn with a real CJK font, not boxes: ask Chromium which font it used.

Pixels cannot tell a rendered 可放心 from three tofu boxes that happen to look busy; the
DevTools protocol can (CSS.getPlatformFontsForNode names the font of every glyph run).
The page ships no font (budget, no requests elsewhere): it relies on the system's CJK font,
which CI installs (fonts-wqy-microhei) as every Chinese phone has one.
"""

from __future__ import annotations

from typing import Any

from . import pki
from .conftest import check_code, open_page

CJK_FAMILIES = (
    "WenQuanYi",
    "Noto Sans CJK",
    "Noto Serif CJK",
    "Source Han",
    "Droid Sans Fallback",
    "PingFang",
    "Hiragino",
)


def fonts_of(page: Any, selector: str) -> list[dict[str, Any]]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    text_node = cdp.send("DOM.describeNode", {"nodeId": node, "depth": 1})["node"]["children"][0][
        "backendNodeId"
    ]
    pushed = cdp.send("DOM.pushNodesByBackendIdsToFrontend", {"backendNodeIds": [text_node]})["nodeIds"][0]
    fonts: list[dict[str, Any]] = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": pushed})["fonts"]
    cdp.detach()
    return fonts


def test_the_verdict_word_is_drawn_with_a_cjk_font(chromium: Any, pki_site: Any) -> None:
    page = open_page(chromium, pki_site.url, clock=pki.NOW)
    check_code(page, pki.code())
    for selector in ("#verdict-word", "#verdict-name"):
        fonts = fonts_of(page, selector)
        assert fonts, selector
        cjk = [f for f in fonts if f["familyName"].startswith(CJK_FAMILIES)]
        assert cjk and sum(f["glyphCount"] for f in cjk) == len(page.inner_text(selector)), (selector, fonts)
    page.context.close()
