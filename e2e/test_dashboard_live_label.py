"""The dashboard's live panel names a call by its status, in a real browser, phone (390x844) and desktop
(1280x800), French and Hebrew: a simulated call that AVA answered and the caller speaks in reads "Appel en
cours" / "שיחה פעילה" (never "Incoming call", which was only right while it rang), both as it appears live
(no reload, through the event stream) and when the page is loaded while the call goes on; then "Ended".

Calls are made through the call simulator's JSON API, as test_dashboard does.

Screenshots: e2e/screenshots/{locale}-{device}-live-label-{nn}-{step}.png.
"""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Browser, expect

from conftest import Server
from test_dashboard import api
from test_journey import kept, open_journey, sign_up, unique_phone
from test_messages_paging import check_direction, check_focus_visible

CALLER = {"fr": "Léa Martin", "he": "נועה לוי"}
HELLO = {"fr": "Bonjour, j’ai une question", "he": "שלום, יש לי שאלה"}
IN_PROGRESS = {"fr": "Appel en cours", "he": "שיחה פעילה"}
INCOMING = {"fr": "Appel entrant", "he": "שיחה נכנסת"}
ENDED = {"fr": "Terminé", "he": "הסתיימה"}
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}}


@pytest.mark.parametrize("device", ["phone", "desktop"])
@pytest.mark.parametrize("locale", ["fr", "he"])
def test_dashboard_live_label(browser: Browser, server: Server, device: str, locale: str) -> None:
    j = open_journey(browser, server, locale, device)
    j.tag = "live-label"
    page = j.page
    if device == "desktop":  # phones keep the shared 390x844 mobile emulation
        page.set_viewport_size(VIEWPORTS[device])
    with kept(j):
        sign_up(j, f"live-{uuid.uuid4().hex[:8]}@example.com", unique_phone(locale), check_empty=False)
        page.goto(j.url(f"/{locale}/dashboard"))
        check_direction(j)
        expect(page.locator("[data-dashboard-live]")).to_have_attribute("data-live-state", "live", timeout=10_000)

        # A call starts and the caller speaks while the dashboard is open: the row says the call is in progress.
        call = api(j, "POST", "/api/v1/simulator/calls", {"callerName": CALLER[locale]})
        api(j, "POST", f'/api/v1/simulator/calls/{call["callId"]}/say', {"text": HELLO[locale]})
        row = page.locator(f'[data-live-list] [data-call-id="{call["callId"]}"]')
        expect(row).to_be_visible(timeout=10_000)
        state = row.locator("[data-live-state-text]")
        expect(state).to_have_text(IN_PROGRESS[locale], timeout=10_000)
        expect(row).to_have_attribute("data-live-call-status", "in-progress")
        expect(row).not_to_contain_text(INCOMING[locale])
        expect(row).not_to_contain_text("Incoming call")
        expect(row.locator(".call-who")).to_have_text(CALLER[locale], timeout=10_000)
        check_focus_visible(j, f'[data-call-id="{call["callId"]}"] a.call-who', "the live call's link")
        j.shot("live-in-progress")

        # Loaded while the call goes on: the server writes the same label.
        page.reload()
        row = page.locator(f'[data-live-list] [data-call-id="{call["callId"]}"]')
        expect(row.locator("[data-live-state-text]")).to_have_text(IN_PROGRESS[locale])
        expect(row).not_to_contain_text(INCOMING[locale])
        expect(row).not_to_contain_text("Incoming call")
        check_direction(j)
        j.shot("reloaded-in-progress")

        # Hung up: "Ended", live.
        expect(page.locator("[data-dashboard-live]")).to_have_attribute("data-live-state", "live", timeout=10_000)
        api(j, "POST", f'/api/v1/simulator/calls/{call["callId"]}/hang-up')
        expect(row.locator("[data-live-state-text]")).to_have_text(ENDED[locale], timeout=10_000)
        j.shot("ended")
        j.assert_no_problems()
