"""The call simulator in a real browser: an owner adds a service, calls their AVA from the browser by typing,
books a real slot, and watches the conversation arrive live (with JavaScript, through the live transcript);
the summary and outcome show once they hang up, and the appointment is stored. Phone and desktop,
French and Hebrew (scripted receptionist: the server runs without AVA_LLM_BASE_URL).

Screenshots: e2e/screenshots/{locale}-{device}-simulator-{nn}-{step}.png.
"""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Browser, expect

from conftest import Server
from test_journey import open_journey, sign_up, unique_phone

SERVICE = {"fr": "Coupe", "he": "תספורת"}
CALLER = {"fr": "Léa Martin", "he": "נועה לוי"}
ASK = {"fr": "Bonjour, je voudrais prendre rendez-vous", "he": "שלום, אני רוצה לקבוע תור"}
PICK = {"fr": "Le premier, s'il vous plaît", "he": "הראשון בבקשה"}
OFFERED = {"fr": "Les prochains créneaux libres", "he": "המועדים הפנויים"}
BOOKED = {"fr": "Rendez-vous réservé", "he": "נקבע תור"}
SCRIPTED = {"fr": "Réponses scriptées", "he": "תשובות מתוסרטות"}


@pytest.mark.parametrize("device", ["phone", "desktop"])
@pytest.mark.parametrize("locale", ["fr", "he"])
def test_simulated_call_books_live(browser: Browser, server: Server, device: str, locale: str) -> None:
    j = open_journey(browser, server, locale, device)
    j.tag = "simulator"
    page = j.page
    try:
        sign_up(j, f"sim-{uuid.uuid4().hex[:8]}@example.com", unique_phone(locale), check_empty=False)
        page.goto(j.url(f"/{locale}/settings/booking"))
        form = j.form("/settings/booking/services")
        form.locator('[name="name"]').fill(SERVICE[locale])
        form.locator('[name="duration"]').fill("30")
        j.submit("/settings/booking/services")
        j.wait_for_path(rf"/{locale}/settings/booking", "after adding a service")

        # From the dashboard to the simulator.
        page.goto(j.url(f"/{locale}/dashboard"))
        page.locator(f'a[href="/{locale}/simulator"]').first.click()
        j.wait_for_path(rf"/{locale}/simulator", "simulator from the dashboard")
        expect(page.locator("[data-simulator-scripted]")).to_contain_text(SCRIPTED[locale])
        j.shot("start")

        form = j.form("/simulator/start")
        form.locator('[name="callerName"]').fill(CALLER[locale])
        j.submit("/simulator/start")
        j.wait_for_path(rf"/{locale}/simulator", "call started")
        call = page.locator("[data-simulator]")
        expect(call).to_have_attribute("data-live-state", "live", timeout=10_000)
        expect(call.locator(".live-line--assistant").first).to_be_visible()

        # Typed sentences go to the API; the lines come back through the live stream, without a reload.
        url_before = page.url
        page.locator("#sim-text").fill(ASK[locale])
        page.locator("[data-simulator-say] button[type=submit]").click()
        expect(call.locator(".live-line--assistant").last).to_contain_text(OFFERED[locale], timeout=10_000)
        expect(call.locator('.live-line--user[data-final="true"]').last).to_contain_text(ASK[locale])
        assert page.url == url_before, "the sentence was sent without leaving the page"
        j.shot("slots-offered")

        page.locator("#sim-text").fill(PICK[locale])
        page.locator("[data-simulator-say] button[type=submit]").click()
        expect(call.locator(".live-line--assistant")).to_have_count(3, timeout=10_000)
        j.shot("booked")

        j.submit("/hang-up")
        expect(page.locator("[data-simulator-outcome]")).to_contain_text(BOOKED[locale], timeout=10_000)
        j.shot("summary")

        j.assert_no_problems()
    finally:
        j.context.close()
