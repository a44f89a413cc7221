"""The messages page past one page, in a real browser, phone (390x844) and desktop (1280x800), French and Hebrew,
plus once without JavaScript: an organisation with 53 messages sees the 50 newest first, follows "Older
messages" to the last 3, comes back with "Newer", and marks a message done on the second page without being
sent back to the first.

The messages are left through the call simulator's JSON API (the scripted receptionist: a caller asks to leave
a message, says it, hangs up), with the browser's own session cookie and CSRF header, as test_dashboard does.
Each caller's name carries a number (01 = oldest) so the order can be read off the page.

Screenshots: e2e/screenshots/{locale}-{device}-messages-{nn}-{step}.png.

Also home to the checks the newer feature tests share: text direction, visible keyboard focus.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Browser, expect

from conftest import Server
from test_dashboard import api
from test_journey import Journey, kept, open_journey, sign_up, unique_phone

TOTAL = 53  # one full page of 50 and three more
PAGE = 50
CALLER = {"fr": "Client", "he": "לקוח"}
ASK_MESSAGE = {"fr": "Je voudrais laisser un message", "he": "אני רוצה להשאיר הודעה"}
MESSAGE = {"fr": "Merci de me rappeler pour le devis", "he": "תחזרו אליי לגבי הצעת המחיר"}
OLDER = {"fr": "Messages plus anciens", "he": "הודעות קודמות"}
NEWER = {"fr": "Plus récents", "he": "חדשות יותר"}
MARK_DONE = {"fr": "Marquer comme traité", "he": "סימון כטופלה"}
MARKED = {"fr": "Message marqué comme traité.", "he": "ההודעה סומנה כטופלה."}
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}}

# The focused element and whether it shows a ring (outline or box shadow) a person can see.
FOCUS_STYLE = """() => {
    const e = document.activeElement;
    if (!e || e === document.body || e === document.documentElement) return null;
    const s = getComputedStyle(e);
    const r = e.getBoundingClientRect();
    return {
        what: e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : '')
              + ' ' + (e.textContent || e.getAttribute('name') || '').trim().slice(0, 40),
        outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1,
        shadow: s.boxShadow !== 'none',
        visible: r.width > 0 && r.height > 0,
    };
}"""


def check_direction(j: Journey) -> None:
    """html[lang] and html[dir] follow the locale: right to left in Hebrew."""
    html = j.page.locator("html")
    assert (html.get_attribute("lang") or "").lower().startswith(j.locale), f"html[lang] at {j.page.url}"
    direction = (html.get_attribute("dir") or "ltr").lower()
    assert direction == ("rtl" if j.locale == "he" else "ltr"), f"html[dir] is {direction!r} at {j.page.url}"


def check_focus_visible(j: Journey, selector: str, what: str) -> None:
    """Reaches the element with the keyboard (Tab), as a keyboard user would, and checks its focus ring shows."""
    target = j.page.locator(selector).first
    target.focus()
    # Out and back in with the keyboard, so that :focus-visible applies whatever the browser's heuristics.
    j.page.keyboard.press("Shift+Tab")
    j.page.keyboard.press("Tab")
    assert target.evaluate("e => e === document.activeElement"), f"{what}: Tab did not come back to {selector}"
    style = j.page.evaluate(FOCUS_STYLE)
    assert style and style["visible"] and (style["outline"] or style["shadow"]), \
        f"{what}: no visible focus on {selector} at {j.page.url}: {style}"


def leave_messages(j: Journey, count: int) -> None:
    """`count` simulated calls, each leaving one message; caller n is "{CALLER} n" (01 the oldest)."""
    locale = j.locale
    j.page.goto(j.url(f"/{locale}/simulator"))  # a page with the CSRF field for api()
    for n in range(1, count + 1):
        call = api(j, "POST", "/api/v1/simulator/calls", {"callerName": f"{CALLER[locale]} {n:02d}"})
        api(j, "POST", f'/api/v1/simulator/calls/{call["callId"]}/say', {"text": ASK_MESSAGE[locale]})
        api(j, "POST", f'/api/v1/simulator/calls/{call["callId"]}/say', {"text": f"{MESSAGE[locale]} {n:02d}"})
        api(j, "POST", f'/api/v1/simulator/calls/{call["callId"]}/hang-up')


def caller_numbers(j: Journey) -> list[int]:
    """The callers' numbers in the order the page shows them."""
    names = j.page.locator(".message-card .message-who").all_inner_texts()
    numbers = []
    for name in names:
        match = re.search(r"(\d+)\s*$", name.strip())
        assert match, f"a message from {name!r}, not one of this test's callers"
        numbers.append(int(match.group(1)))
    return numbers


def run_paging(j: Journey, javascript: bool = True) -> None:
    page, locale = j.page, j.locale
    sign_up(j, f"paging-{uuid.uuid4().hex[:8]}@example.com", unique_phone(locale), check_empty=False)
    leave_messages(j, TOTAL)

    # The newest page: 50 messages, newest first, a link to the older ones and none to newer ones.
    page.goto(j.url(f"/{locale}/messages"))
    check_direction(j)
    expect(page.locator(".message-card")).to_have_count(PAGE)
    assert caller_numbers(j) == list(range(TOTAL, TOTAL - PAGE, -1)), f"first page order: {caller_numbers(j)}"
    pager = page.locator("nav.messages-pager")
    older = pager.locator('a[rel="next"]')
    expect(older).to_contain_text(OLDER[locale])
    expect(pager.locator('a[rel="prev"]')).to_have_count(0)
    if javascript:
        check_focus_visible(j, 'nav.messages-pager a[rel="next"]', "the older-messages link")
    j.shot("first-page")

    # Older: the three oldest, and a way back.
    older.click()
    j.wait_for_path(rf"/{locale}/messages", "after the older-messages link")
    assert "cursor=" in page.url, f"the older page has no cursor: {page.url}"
    second_url = page.url
    expect(page.locator(".message-card")).to_have_count(TOTAL - PAGE)
    assert caller_numbers(j) == list(range(TOTAL - PAGE, 0, -1)), f"second page order: {caller_numbers(j)}"
    expect(pager.locator('a[rel="next"]')).to_have_count(0)
    newer = pager.locator('a[rel="prev"]')
    expect(newer).to_contain_text(NEWER[locale])
    check_direction(j)
    j.shot("second-page")

    # Marking one done there keeps the page (its cursor comes with the form).
    card = page.locator(".message-card").nth(1)
    done_id = card.get_attribute("id")
    if javascript:
        check_focus_visible(j, f'#{done_id} form button[type="submit"]', "the mark-done button")
    card.get_by_role("button", name=MARK_DONE[locale]).click()
    j.wait_for_path(rf"/{locale}/messages", "after marking done on the second page")
    assert "cursor=" in page.url, f"marking done went back to the first page: {page.url}"
    expect(page.locator(".messages-notice")).to_contain_text(MARKED[locale])
    expect(page.locator(".message-card")).to_have_count(TOTAL - PAGE)
    assert caller_numbers(j) == list(range(TOTAL - PAGE, 0, -1)), f"second page after marking: {caller_numbers(j)}"
    expect(page.locator(f"#{done_id}")).to_have_class(re.compile(r"\bis-done\b"))
    expect(page.locator(".message-card.is-done")).to_have_count(1)
    j.shot("marked-done")

    # Newer: back to the 50 newest.
    page.locator('nav.messages-pager a[rel="prev"]').click()
    j.wait_for_path(rf"/{locale}/messages", "after the newer link")
    expect(page.locator(".message-card")).to_have_count(PAGE)
    assert caller_numbers(j) == list(range(TOTAL, TOTAL - PAGE, -1)), f"back on the first page: {caller_numbers(j)}"
    expect(page.locator('nav.messages-pager a[rel="next"]')).to_have_count(1)
    j.shot("back-to-newest")
    assert page.url != second_url
    j.assert_no_problems()


@pytest.mark.parametrize("device", ["phone", "desktop"])
@pytest.mark.parametrize("locale", ["fr", "he"])
def test_messages_paging(browser: Browser, server: Server, device: str, locale: str) -> None:
    j = open_journey(browser, server, locale, device)
    j.tag = "messages"
    if device == "desktop":  # phones keep the shared 390x844 mobile emulation
        j.page.set_viewport_size(VIEWPORTS[device])
    with kept(j):
        run_paging(j)


def test_messages_paging_without_javascript(browser: Browser, server: Server) -> None:
    """The pager and the done form are plain links and posts: the same walk with JavaScript off."""
    j = open_journey(browser, server, "fr", "desktop", java_script_enabled=False)
    j.device = "desktop-nojs"
    j.tag = "messages"
    j.page.set_viewport_size(VIEWPORTS["desktop"])
    with kept(j):
        run_paging(j, javascript=False)
