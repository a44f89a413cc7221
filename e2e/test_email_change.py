"""Changing the account's email address in a real browser, phone (390x844) and desktop (1280x800), French and
Hebrew: Settings › Account › Email address refuses a wrong current password in the page's language, in the
email section with the field marked; with the right one it sends a link to the new address (read from the
development outbox, as the sign-up test does); the link opens a confirmation page whose button makes the
change; then the new address signs in and the old one no longer does.

Screenshots: e2e/screenshots/{locale}-{device}-email-change-{nn}-{step}.png.
"""

from __future__ import annotations

import time
import uuid

import pytest
from playwright.sync_api import Browser, expect

from conftest import Server
from test_journey import Journey, PASSWORD, kept, log_in, open_journey, open_verification_link, sign_up, unique_phone
from test_messages_paging import check_direction, check_focus_visible

WRONG_PASSWORD = {"fr": "Ce mot de passe n’est pas le bon.", "he": "הסיסמה שגויה."}
SENT = {"fr": "C’est presque fini", "he": "כמעט סיימנו"}
CONFIRM_HEADING = {"fr": "Confirmer votre nouvelle adresse", "he": "אישור הכתובת החדשה"}
CONFIRM_BUTTON = {"fr": "Confirmer cette adresse", "he": "אישור הכתובת"}
DONE_HEADING = {"fr": "Adresse e-mail changée", "he": "כתובת המייל שונתה"}
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}}


def wait_for_outbox(j: Journey, email: str, timeout: float = 15) -> None:
    """The emails go out in the background: waits until the outbox lists one to this address."""
    deadline = time.monotonic() + timeout
    while True:
        j.page.goto(j.url("/dev/outbox"))
        if j.page.get_by_text(email).count() > 0:
            return
        assert time.monotonic() < deadline, f"no email to {email} in /dev/outbox after {timeout}s"
        time.sleep(0.3)


@pytest.mark.parametrize("device", ["phone", "desktop"])
@pytest.mark.parametrize("locale", ["fr", "he"])
def test_email_change(browser: Browser, server: Server, device: str, locale: str) -> None:
    j = open_journey(browser, server, locale, device)
    j.tag = "email-change"
    page = j.page
    if device == "desktop":  # phones keep the shared 390x844 mobile emulation
        page.set_viewport_size(VIEWPORTS[device])
    with kept(j):
        old_email = f"old-{uuid.uuid4().hex[:8]}@example.com"
        new_email = f"new-{uuid.uuid4().hex[:8]}@example.com"
        sign_up(j, old_email, unique_phone(locale), check_empty=False)

        page.goto(j.url(f"/{locale}/settings/account"))
        check_direction(j)
        section = page.locator("section#email")
        expect(section.locator('[name="newEmail"]')).to_be_visible()
        check_focus_visible(j, "#account-new-email", "the new email field")
        j.shot("account")

        # A wrong current password: refused in the page's language, in the email section, the field marked.
        form = j.form("/settings/account/email")
        form.locator('[name="newEmail"]').fill(new_email)
        form.locator('[name="password"]').fill("not-the-password-1")
        j.submit("/settings/account/email")
        j.wait_for_path(rf"/{locale}/settings/account(/email)?", "after a wrong password")
        section = page.locator("section#email")
        expect(section.locator('[role="alert"]')).to_have_text(WRONG_PASSWORD[locale])
        expect(section.locator('[name="password"]')).to_have_attribute("aria-invalid", "true")
        expect(section.locator('[name="newEmail"]')).to_have_value(new_email)  # what was typed is kept
        # The error sits just above the form it belongs to, not at the top of the page.
        alert_box = section.locator('[role="alert"]').bounding_box()
        field_box = section.locator('[name="password"]').bounding_box()
        assert alert_box and field_box and 0 <= field_box["y"] - alert_box["y"] < 400, \
            f"the error is far from the password field: {alert_box} / {field_box}"
        check_direction(j)
        j.shot("wrong-password")
        # Nothing was sent to the new address.
        assert page.request.get(j.url("/dev/outbox")).text().count(new_email) == 0, "an email went out after a wrong password"

        # The right password: a link goes to the new address; the old one still signs in until it is opened.
        form = j.form("/settings/account/email")
        form.locator('[name="newEmail"]').fill(new_email)
        form.locator('[name="password"]').fill(PASSWORD)
        j.submit("/settings/account/email")
        j.wait_for_path(rf"/{locale}/settings/account", "after asking for the change")
        expect(page.locator("section#email")).to_contain_text(SENT[locale])
        expect(page.locator("section#email")).to_contain_text(new_email)
        j.shot("link-sent")

        # The link in the email to the new address opens the confirmation page (same browser, still signed in).
        wait_for_outbox(j, new_email)
        open_verification_link(j, new_email)
        j.wait_for_path(rf"/{locale}/account/email/confirm", "the emailed confirmation link")
        expect(page.locator("h1")).to_have_text(CONFIRM_HEADING[locale])
        expect(page.locator("main")).to_contain_text(new_email)
        check_direction(j)
        check_focus_visible(j, 'form[action$="/account/email/confirm"] button[type="submit"]', "the confirm button")
        j.shot("confirm-page")
        page.get_by_role("button", name=CONFIRM_BUTTON[locale]).click()
        j.wait_for_path(rf"/{locale}/account/email/confirm", "after confirming")
        expect(page.locator("h1")).to_have_text(DONE_HEADING[locale])
        expect(page.locator("main")).to_contain_text(new_email)
        # Drawn for the account as it is now: no banner asking to confirm the old address.
        assert old_email not in j.visible_text(), f"the old address is still shown on the confirmation page {page.url}"
        j.shot("confirmed")

        # The account page shows the new address, and nothing asks to confirm the old one any more.
        page.goto(j.url(f"/{locale}/settings/account"))
        expect(page.locator("#account-email")).to_have_value(new_email)
        assert old_email not in j.visible_text(), f"the old address is still shown after the change at {page.url}"
        j.shot("account-after-change")

        # Signed out: the old address is refused, the new one signs in.
        j.log_out()
        log_in(j, old_email, PASSWORD)
        j.expect_errors("sign-in with the old address")
        assert j.path().endswith("/login") and not j.signed_in(), f"the old address still signs in: {page.url}"
        check_direction(j)
        j.shot("old-address-refused")
        log_in(j, new_email, PASSWORD)
        j.wait_for_path(rf"/{locale}/(dashboard|onboarding)(/[^?#]*)?", "sign-in with the new address")
        assert j.signed_in()
        j.shot("new-address-signed-in")
        j.assert_no_problems()
