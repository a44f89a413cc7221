"""Phone numbers in a real browser (sandbox): an owner confirms their email, gets a fictional US number with
an area code, sees the live check refuse a malformed Twilio SID, sees the server refuse a Canadian area code
in their language, then releases the number. Phone and desktop, French and Hebrew.

Screenshots: e2e/screenshots/{locale}-{device}-numbers-{nn}-{step}.png.
"""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Browser, expect

from conftest import Server
from test_journey import open_journey, open_verification_link, sign_up, unique_phone

CANADIAN = {"fr": "canadien", "he": "קנדית"}
SANDBOX = {"fr": "bac à sable", "he": "מצב ניסוי"}
AREA_CODES = {("fr", "phone"): "212", ("fr", "desktop"): "305", ("he", "phone"): "415", ("he", "desktop"): "646"}


@pytest.mark.parametrize("device", ["phone", "desktop"])
@pytest.mark.parametrize("locale", ["fr", "he"])
def test_sandbox_number_added_and_released(browser: Browser, server: Server, device: str, locale: str) -> None:
    j = open_journey(browser, server, locale, device)
    j.tag = "numbers"
    page = j.page
    try:
        email = f"numbers-{uuid.uuid4().hex[:8]}@example.com"
        sign_up(j, email, unique_phone(locale), check_empty=False)
        open_verification_link(j, email)

        page.goto(j.url(f"/{locale}/settings"))
        page.locator(f'a[href="/{locale}/settings/phone-numbers"]').first.click()
        j.wait_for_path(rf"/{locale}/settings/phone-numbers", "phone numbers from the settings")
        expect(page.locator("main")).to_contain_text(SANDBOX[locale])
        j.check_layout("numbers-empty")
        j.shot("empty")

        # The live check refuses a malformed SID before anything is sent.
        twilio = j.form("/settings/phone-numbers/import-twilio")
        twilio.locator('[name="accountSid"]').fill("AC123")
        twilio.locator('[name="authToken"]').click()
        expect(twilio.locator('[data-error-for="accountSid"]')).not_to_be_empty()
        j.shot("sid-live-check")

        # The server refuses a Canadian area code, in the page's language.
        us = j.form("/settings/phone-numbers/create-us")
        us.locator('[name="areaCode"]').fill("416")
        j.submit("/settings/phone-numbers/create-us")
        expect(page.locator("main")).to_contain_text(CANADIAN[locale])
        j.shot("canadian-refused")

        area = AREA_CODES[(locale, device)]
        us = j.form("/settings/phone-numbers/create-us")
        us.locator('[name="areaCode"]').fill(area)
        us.locator('[name="name"]').fill("Accueil" if locale == "fr" else "קבלה")
        j.submit("/settings/phone-numbers/create-us")
        j.wait_for_path(rf"/{locale}/settings/phone-numbers", "after adding a number")
        row = page.locator(".number-row").first
        expect(row).to_contain_text(f"+1 ({area}) 555-01")
        j.check_layout("number-added")
        j.shot("number-added")

        page.once("dialog", lambda dialog: dialog.accept())
        row.locator("button[type=submit]").click()
        j.wait_for_path(rf"/{locale}/settings/phone-numbers", "after releasing")
        expect(page.locator(".number-row")).to_have_count(0)
        j.shot("released")
        j.assert_no_problems()
    finally:
        j.context.close()
