"""Booking in a real browser: an owner sets opening hours (with a lunch break) and a service, then books an
appointment by hand and finds it in the week view and in the list. Phone and desktop, French and Hebrew.

Screenshots: e2e/screenshots/{locale}-{device}-booking-{nn}-{step}.png.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, expect

from conftest import Server
from test_journey import open_journey, sign_up, unique_phone

ZONES = {"fr": "Europe/Paris", "he": "Asia/Jerusalem"}
SERVICE = {"fr": "Coupe et brushing", "he": "תספורת ופן"}
CUSTOMER = {"fr": "Léa Martin", "he": "נועה לוי"}
# National format as typed, and the E.164 the outbox shows: one number per locale and device.
CUSTOMER_PHONE = {("fr", "phone"): ("06 98 76 54 32", "+33698765432"), ("fr", "desktop"): ("06 98 76 54 33", "+33698765433"),
                  ("he", "phone"): ("052-987-6543", "+972529876543"), ("he", "desktop"): ("052-987-6544", "+972529876544")}
WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]


@pytest.mark.parametrize("device", ["phone", "desktop"])
@pytest.mark.parametrize("locale", ["fr", "he"])
def test_hours_service_and_appointment(browser: Browser, server: Server, device: str, locale: str) -> None:
    j = open_journey(browser, server, locale, device)
    j.tag = "booking"
    page = j.page
    try:
        sign_up(j, f"booking-{uuid.uuid4().hex[:8]}@example.com", unique_phone(locale), check_empty=False)

        # The navigation leads to the appointments, and from there to the settings.
        nav = page.locator(f'.main-nav a[href="/{locale}/appointments"]')
        expect(nav).to_be_visible()
        nav.click()
        j.wait_for_path(rf"/{locale}/appointments", "appointments from the navigation")
        j.shot("appointments-empty")
        page.locator(f'a[href="/{locale}/settings/booking"]').first.click()
        j.wait_for_path(rf"/{locale}/settings/booking", "booking settings")
        j.shot("settings")

        # Hours: every day 09:00–12:30 and 13:30–19:00 (a lunch break), typed into the time fields.
        form = j.form("/settings/booking/hours")
        for day in WEEKDAYS:
            form.locator(f'[name="{day}-0-start"]').fill("09:00")
            form.locator(f'[name="{day}-0-end"]').fill("12:30")
            form.locator(f'[name="{day}-1-start"]').fill("13:30")
            form.locator(f'[name="{day}-1-end"]').fill("19:00")
            form.locator(f'[name="{day}-2-start"]').fill("")
            form.locator(f'[name="{day}-2-end"]').fill("")
        j.submit("/settings/booking/hours")
        j.wait_for_path(rf"/{locale}/settings/booking", "after saving hours")
        expect(page.locator("#hours .alert-success")).to_be_visible()
        j.shot("hours-saved")

        # Overlapping ranges are refused with a message in the page's language.
        form = j.form("/settings/booking/hours")
        form.locator('[name="mon-1-start"]').fill("12:00")
        j.submit("/settings/booking/hours")
        expect(page.locator("#hours .alert-error")).to_be_visible()
        expect(page.locator("#hours .alert-error")).to_contain_text(
            "chevauchent" if locale == "fr" else "חופפים")
        j.shot("hours-overlap")

        # A service.
        form = j.form("/settings/booking/services")
        form.locator('[name="name"]').fill(SERVICE[locale])
        form.locator('[name="duration"]').fill("45")
        form.locator('[name="price"]').fill("40")
        j.submit("/settings/booking/services")
        j.wait_for_path(rf"/{locale}/settings/booking", "after adding a service")
        expect(page.locator("#services")).to_contain_text(SERVICE[locale])
        j.shot("service-added")

        # The calendar address is shown, ready to copy.
        expect(page.locator("#feed-url")).to_contain_text("/calendar/")

        # An appointment, three days ahead at 10:00 in the organisation's zone.
        day = (datetime.now(ZoneInfo(ZONES[locale])) + timedelta(days=3)).strftime("%Y-%m-%d")
        page.goto(j.url(f"/{locale}/appointments"))
        form = j.form(f"/{locale}/appointments")
        form.locator('[name="serviceId"]').select_option(label=SERVICE[locale])
        form.locator('[name="date"]').fill(day)
        form.locator('[name="time"]').fill("10:00")
        form.locator('[name="customerName"]').fill(CUSTOMER[locale])
        form.locator('[name="phone"]').fill(CUSTOMER_PHONE[(locale, device)][0])
        j.shot("appointment-filled")
        j.submit(f"/{locale}/appointments")
        j.wait_for_path(rf"/{locale}/appointments", "after booking")
        expect(page.locator(".alert-success")).to_be_visible()
        event = page.locator(".week-event", has_text=CUSTOMER[locale])
        expect(event).to_be_visible()
        expect(event).to_contain_text("10:00")
        expect(page.locator(".data-table")).to_contain_text(CUSTOMER[locale])
        j.shot("appointment-booked")

        # Its page, and a move to 14:00.
        event.click()
        j.wait_for_path(rf"/{locale}/appointments/[0-9A-Fa-f-]+", "appointment page")
        j.shot("appointment-detail")
        form = j.form("/reschedule")
        form.locator('[name="time"]').fill("14:00")
        j.submit("/reschedule")
        expect(page.locator(".alert-success")).to_be_visible()
        j.shot("appointment-moved")

        # A time outside the hours is refused, in the page's language, and nothing moves.
        form = j.form("/reschedule")
        form.locator('[name="time"]').fill("12:45")
        j.submit("/reschedule")
        expect(page.locator(".alert-error")).to_be_visible()
        j.shot("appointment-outside-hours")

        # The background worker texts the customer; without Twilio the text lands in the development outbox.
        texts = page.locator(".mail-item", has_text=CUSTOMER_PHONE[(locale, device)][1]).filter(has_text="SMS")
        for _ in range(30):
            page.goto(j.url("/dev/outbox"))
            if texts.count() >= 2:  # the booking's and the move's
                break
            page.wait_for_timeout(500)
        assert texts.count() >= 2, f"{texts.count()} booking texts in the outbox, expected 2"
        j.shot("outbox-texts")

        if locale == "he":
            assert page.locator("html").get_attribute("dir") == "rtl"
        j.assert_no_problems()
    finally:
        j.context.close()
