"""The dashboard and the messages page in a real browser, phone (390x844) and desktop (1280x800), French and
Hebrew: the empty state and its links; a call in progress appearing on the dashboard live (no reload) and
being marked ended; after two simulated calls (one leaving a message), the figures, both SVG charts (readable,
mirrored in Hebrew) and the latest calls; the message in the messages page, new once, then marked done with
the plain form.

Calls are made through the call simulator's JSON API (the scripted receptionist: the server runs without
AVA_LLM_BASE_URL), with the browser's own session cookie and CSRF header, as the simulator page does.

Screenshots: e2e/screenshots/{locale}-{device}-dashboard-{nn}-{step}.png.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Browser, expect

from conftest import Server
from test_journey import open_journey, sign_up, unique_phone

EMPTY = {"fr": "Pas encore d’appel", "he": "עדיין אין שיחות"}
CALLER = {"fr": "Léa Martin", "he": "נועה לוי"}
ASK_MESSAGE = {"fr": "Je voudrais laisser un message", "he": "אני רוצה להשאיר הודעה"}
MESSAGE = {"fr": "Rappelez-moi pour le devis de la cuisine", "he": "תחזרו אליי לגבי הצעת המחיר למטבח"}
ENDED = {"fr": "Terminé", "he": "הסתיימה"}
ANSWER_RATE = {"fr": "Taux de réponse", "he": "שיעור מענה"}
BUSIEST = {"fr": "Heures les plus chargées", "he": "השעות העמוסות"}
MESSAGE_TAKEN = {"fr": "Message pris", "he": "נרשמה הודעה"}
NEW = {"fr": "Nouveau", "he": "חדשה"}
MARK_DONE = {"fr": "Marquer comme traité", "he": "סימון כטופלה"}
MARKED = {"fr": "Message marqué comme traité.", "he": "ההודעה סומנה כטופלה."}
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}}


def api(j, method: str, path: str, body: dict | None = None) -> dict:
    """The simulator's JSON API with the browser's cookies and the page's CSRF token (as simulator.js sends it)."""
    csrf = j.page.locator('input[name="_csrf"]').first.get_attribute("value")
    response = j.page.request.fetch(j.url(path), method=method, data=body or {},
                                    headers={"Content-Type": "application/json", "Accept": "application/json",
                                             "X-CSRF-Token": csrf or ""})
    assert response.ok, f"{method} {path}: {response.status} {response.text()[:500]}"
    return response.json()


@pytest.mark.parametrize("device", ["phone", "desktop"])
@pytest.mark.parametrize("locale", ["fr", "he"])
def test_dashboard_and_messages(browser: Browser, server: Server, device: str, locale: str) -> None:
    j = open_journey(browser, server, locale, device)
    j.tag = "dashboard"
    page = j.page
    if device == "desktop":  # phones keep the shared 390x844 mobile emulation
        page.set_viewport_size(VIEWPORTS[device])
    try:
        sign_up(j, f"dash-{uuid.uuid4().hex[:8]}@example.com", unique_phone(locale), check_empty=False)

        # No calls yet: the empty state says so and leads to the test call and the phone numbers.
        page.goto(j.url(f"/{locale}/dashboard"))
        expect(page.locator(".dash-empty")).to_contain_text(EMPTY[locale])
        expect(page.locator(f'.dash-empty a[href="/{locale}/simulator"]')).to_be_visible()
        expect(page.locator(f'.dash-empty a[href="/{locale}/settings/phone-numbers"]')).to_be_visible()
        nav = page.locator(".main-nav")
        expect(nav.locator(f'a[href="/{locale}/messages"]')).to_be_visible()
        # Five tabs fit a phone without scrolling sideways.
        widths = nav.evaluate("n => [n.scrollWidth, n.clientWidth]")
        assert widths[0] <= widths[1] + 1, f"the navigation scrolls sideways: {widths}"
        expect(page.locator("[data-dashboard-live]")).to_have_attribute("data-live-state", "live", timeout=10_000)
        if device == "desktop":
            # The header (brand, five tabs, language, account) fits every desktop width.
            for width in (900, 1024, 1100, 1200):
                page.set_viewport_size({"width": width, "height": 800})
                overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
                assert overflow <= 1, f"the page scrolls sideways by {overflow}px at {width}px"
            page.set_viewport_size(VIEWPORTS[device])
        j.shot("empty")

        # A call starts while the dashboard is open: it appears without a reload, then is marked ended.
        url_before = page.url
        first = api(j, "POST", "/api/v1/simulator/calls", {"callerName": CALLER[locale]})
        live_row = page.locator(f'[data-live-list] [data-call-id="{first["callId"]}"]')
        expect(live_row).to_be_visible(timeout=10_000)
        expect(live_row.locator("a")).to_have_attribute("href", f'/{locale}/calls/{first["callId"]}')
        expect(live_row.locator("[data-live-line]")).not_to_be_empty(timeout=10_000)
        assert page.url == url_before
        j.shot("live-call")
        api(j, "POST", f'/api/v1/simulator/calls/{first["callId"]}/say', {"text": ASK_MESSAGE[locale]})
        api(j, "POST", f'/api/v1/simulator/calls/{first["callId"]}/say', {"text": MESSAGE[locale]})
        api(j, "POST", f'/api/v1/simulator/calls/{first["callId"]}/hang-up')
        expect(live_row).to_contain_text(ENDED[locale], timeout=10_000)

        # A second, short call.
        second = api(j, "POST", "/api/v1/simulator/calls", {})
        api(j, "POST", f'/api/v1/simulator/calls/{second["callId"]}/hang-up')

        # With calls: figures, both charts, the latest calls.
        page.goto(j.url(f"/{locale}/dashboard?period=7d"))
        expect(page.locator(".stat-card")).to_have_count(4)
        expect(page.locator(".stat-calls .stat-value")).to_have_text("2")
        expect(page.locator(".stat-answer_rate")).to_contain_text(ANSWER_RATE[locale])
        charts = page.locator("svg.chart[role=img]")
        expect(charts).to_have_count(2)
        expect(page.locator(".chart-card").nth(1)).to_contain_text(BUSIEST[locale])
        for index in range(2):
            box = charts.nth(index).bounding_box()
            assert box and box["width"] >= 300 and box["height"] >= 150, f"chart {index} too small to read: {box}"
            # Tick labels are at least 10 px on screen.
            size = charts.nth(index).evaluate(
                "svg => { const t = svg.querySelector('text.chart-tick'); return t.getBoundingClientRect().height; }")
            assert size >= 10, f"chart {index} labels {size}px high"
        bars = charts.nth(0).locator("rect.chart-bar")
        expect(bars).to_have_count(7)
        # Today is the last day: on the right in French, on the left in Hebrew.
        xs = [float(bars.nth(i).get_attribute("x")) for i in (0, 6)]
        assert (xs[0] > xs[1]) == (locale == "he"), f"bar order {xs} for {locale}"
        recent = page.locator(".dash-recent .call-row")
        expect(recent).to_have_count(2)
        expect(page.locator(".dash-recent")).to_contain_text(MESSAGE_TAKEN[locale])
        expect(page.locator(f'.dash-recent a[href="/{locale}/calls/{first["callId"]}"]')).to_be_visible()
        j.shot("with-calls")

        page.goto(j.url(f"/{locale}/dashboard?period=today"))
        expect(page.locator('.dash-period[aria-current="page"]')).to_have_attribute("href", f"/{locale}/dashboard?period=today")
        expect(page.locator("svg.chart rect.chart-bar")).to_have_count(24)
        j.shot("today")

        # The message AVA took: unread in the navigation, new once on the messages page, then done.
        expect(page.locator(".nav-badge")).to_have_text("1")
        page.locator(f'.main-nav a[href="/{locale}/messages"]').click()
        j.wait_for_path(rf"/{locale}/messages", "messages from the navigation")
        card = page.locator(".message-card").first
        expect(card).to_contain_text(CALLER[locale])
        expect(card.locator(".message-reason")).to_contain_text(MESSAGE[locale][:12])
        expect(card).to_contain_text(NEW[locale])
        expect(card.locator('a[href^="tel:"]')).to_be_visible()
        expect(card.locator(f'a[href="/{locale}/calls/{first["callId"]}"]')).to_be_visible()
        expect(page.locator(".nav-badge")).to_have_count(0)
        j.shot("messages")
        card.get_by_role("button", name=MARK_DONE[locale]).click()
        j.wait_for_path(rf"/{locale}/messages", "after marking done")
        expect(page.locator(".messages-notice")).to_contain_text(MARKED[locale])
        expect(page.locator(".message-card.is-done")).to_have_count(1)
        expect(page.locator(".message-card").first).not_to_contain_text(NEW[locale])
        j.shot("message-done")

        assert re.search(rf"/{locale}/messages", j.path())
        j.assert_no_problems()
    finally:
        j.context.close()
