"""The other ways in, in a real browser: a magic link opened on another device, an SMS code, two-step
verification (TOTP and recovery codes), a password reset, and no Google or Microsoft buttons when neither is
configured. Links and codes are read from the development outbox (/dev/outbox), as a person would read them
from their mail or messages app.

Each flow runs on a phone and a desktop, in French (left to right) and Hebrew (right to left). Screenshots
land in e2e/screenshots/{locale}-{device}-signin-{nn}-{step}.png, numbered across the flows of one
locale and device.
"""

from __future__ import annotations

import base64
import json
import random
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager
from typing import Iterator

import pyotp
import pytest
import zxingcpp
from playwright.sync_api import Browser, Page, expect

from conftest import SCREENSHOTS, Server
from test_journey import NAMES, PASSWORD, Journey, kept, log_in, open_journey

NEW_PASSWORD = "staple-battery-horse-77"
SIGNED_IN_PATH = r"/{locale}/(dashboard|onboarding)(/[^?#]*)?"
OUTBOX_WAIT = 10  # seconds: mail and texts are sent in the background
CASES = [
    pytest.param("phone", "fr", id="phone-fr"),
    pytest.param("desktop", "he", id="desktop-he"),
    pytest.param("phone", "he", id="phone-he"),
    pytest.param("desktop", "fr", id="desktop-fr"),
]

_shot_numbers: dict[tuple[str, str], int] = {}
_used_suffixes: dict[str, set[int]] = {"fr": set(), "he": set()}


class SigninJourney(Journey):
    """Screenshots {locale}-{device}-signin-{nn}-{step}.png, numbered across this file's tests and contexts."""

    def shot_path(self, step: str) -> str:
        key = (self.locale, self.device)
        _shot_numbers[key] = _shot_numbers.get(key, 0) + 1
        self.step_no = _shot_numbers[key]
        return str(SCREENSHOTS / f"{self.locale}-{self.device}-signin-{self.step_no:02d}-{step}.png")

    def signed_in_path(self) -> str:
        return SIGNED_IN_PATH.format(locale=self.locale)

    def wait_signed_in(self, what: str) -> None:
        self.wait_for_path(self.signed_in_path(), what)
        assert self.signed_in(), f"{what}: no log-out form at {self.page.url}"


@contextmanager
def device(browser: Browser, server: Server, locale: str, device_name: str) -> Iterator[SigninJourney]:
    """A browser context (one device); a screenshot when something fails in it; closed afterwards."""
    j = open_journey(browser, server, locale, device_name, journey_type=SigninJourney)
    assert isinstance(j, SigninJourney)
    with kept(j):
        yield j


def unique_phone(locale: str) -> tuple[str, str]:
    """A mobile number no other account of this run has (test_journey's use other prefixes): national, E.164."""
    suffix = random.choice([n for n in range(10, 100) if n not in _used_suffixes[locale]])
    _used_suffixes[locale].add(suffix)
    if locale == "fr":
        return f"06 98 76 54 {suffix:02d}", f"+336987654{suffix:02d}"
    return f"052-987-65{suffix:02d}", f"+9725298765{suffix:02d}"


def new_email(flow: str) -> str:
    return f"e2e-{flow}-{uuid.uuid4().hex[:12]}@example.com"


def api_signup(server: Server, locale: str, email: str, phone: str | None = None) -> dict:
    """Creates an account as an API client would: POST /api/v1/auth/signup."""
    body = {"email": email, "name": NAMES[locale], "password": PASSWORD, "acceptTerms": True, "locale": locale}
    if phone:
        body["phone"] = phone
    request = urllib.request.Request(server.base_url + "/api/v1/auth/signup", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json", "Accept": "application/json"},
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 201, f"POST /api/v1/auth/signup answered {response.status}"
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        raise AssertionError(f"POST /api/v1/auth/signup {body} answered {error.code}: "
                             f"{error.read().decode('utf-8', 'replace')[:800]}") from None


# --- the development outbox ------------------------------------------------------------------------------------

def message_ids(outbox_html: str, recipient: str) -> list[str]:
    """The ids of the messages to this recipient on /dev/outbox, newest first (the outbox lists newest first)."""
    ids = []
    for item in re.split(r"<li\b", outbox_html)[1:]:
        match = re.search(r'href="/dev/outbox/([0-9A-Fa-f-]{36})"', item)
        if match and recipient in item:
            ids.append(match.group(1))
    return ids


def outbox_ids(j: Journey, recipient: str) -> list[str]:
    """What the outbox holds for this recipient now, read without touching the page."""
    return message_ids(j.context.request.get(j.url("/dev/outbox")).text(), recipient)


def open_new_message(j: Journey, recipient: str, known: list[str], page: Page | None = None) -> str:
    """On /dev/outbox, waits for a message to this recipient that was not there before (mail and texts leave
    in the background) and opens the newest such message."""
    page = page or j.page
    deadline = time.monotonic() + OUTBOX_WAIT
    while True:
        page.goto(j.url("/dev/outbox"))
        fresh = [i for i in message_ids(page.content(), recipient) if i not in known]
        if fresh:
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"no new message to {recipient} on /dev/outbox within {OUTBOX_WAIT}s "
                                 f"(known: {known}):\n{page.locator('body').inner_text()[:1500]}")
        time.sleep(0.5)
    entry = page.locator(f'a[href="/dev/outbox/{fresh[0]}"]')
    expect(entry).to_contain_text(recipient)
    entry.click()
    page.wait_for_url(re.compile(rf"/dev/outbox/{fresh[0]}$"))
    return fresh[0]


def message_link(page: Page, path_part: str) -> str:
    """The address of the open message's first a.outbox-link that contains path_part."""
    links = page.locator("a.outbox-link")
    hrefs = [links.nth(i).get_attribute("href") or "" for i in range(links.count())]
    matching = [n for n, href in enumerate(hrefs) if path_part in href]
    assert matching, f"the message at {page.url} has no a.outbox-link with {path_part!r}: {hrefs}"
    return hrefs[matching[0]]


def click_message_link(j: SigninJourney, path_part: str) -> str:
    """Clicks the open message's link to path_part (as a mail app would open it) and returns its address."""
    href = message_link(j.page, path_part)
    server = j.server.base_url
    assert href.startswith(server + "/"), f"the link {href!r} does not start with AVA_PUBLIC_URL {server}"
    j.page.locator(f'a.outbox-link[href="{href}"]').first.click()
    return href


def read_sms_code(j: SigninJourney, e164: str, known: list[str]) -> str:
    """Reads the code texted to this number, on another tab (like a messages app), leaving the page alone."""
    phone = j.context.new_page()
    try:
        open_new_message(j, e164, known, page=phone)
        expect(phone.locator("h1")).to_have_text("SMS")
        text = phone.locator("pre.outbox-text").inner_text() if phone.locator("pre.outbox-text").count() \
            else phone.locator("body").inner_text()
        codes = re.findall(r"(?<!\d)\d{6}(?!\d)", text)
        assert codes, f"no 6-digit code in the SMS to {e164}: {text!r}"
        assert len(set(codes)) == 1, f"the SMS to {e164} has several different 6-digit numbers: {text!r}"
        return codes[0]
    finally:
        phone.close()


# --- the login page ------------------------------------------------------------------------------------------

def type_identifier(j: SigninJourney, identifier: str) -> None:
    """Opens /{locale}/login and types the email or phone number as a person would, key by key."""
    j.page.goto(j.url(f"/{j.locale}/login"))
    field = j.form("/login").locator('[name="identifier"]')
    field.click()
    field.press_sequentially(identifier)


def option_button(j: SigninJourney, action_suffix: str):
    return j.form("/login").locator(f'button[formaction$="{action_suffix}"]')


def expect_only_option(j: SigninJourney, shown: str, hidden: str, what: str) -> None:
    expect(option_button(j, shown), f"{what}: the {shown} option is not shown").to_be_visible()
    if option_button(j, hidden).is_visible():
        j.problems.append(f"{what}: the login page also offers {hidden}, which does not fit what was typed")


# --- the tests ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("device_name, locale", CASES)
def test_magic_link(browser: Browser, server: Server, device_name: str, locale: str) -> None:
    email = new_email("magic")
    api_signup(server, locale, email)  # the account exists; the link is asked and opened on another device
    with device(browser, server, locale, device_name) as j:
        page = j.page
        known = outbox_ids(j, email)
        type_identifier(j, email)
        expect_only_option(j, "/login/magic-link", "/login/sms", f"typed {email}")
        j.shot("magic-email-typed")

        option_button(j, "/login/magic-link").click()
        j.wait_for_path(rf"/{locale}/login/magic-link", "after 'email me a link'")
        expect(page.locator("h1")).to_be_visible()
        assert email in j.visible_text(), f"the 'check your inbox' page does not name {email}:\n{j.visible_text()[:1000]}"
        assert not j.signed_in(), "asking for a link signed in"
        j.shot("magic-check-inbox")

        open_new_message(j, email, known)
        j.shot("magic-outbox-message")
        href = click_message_link(j, "/auth/magic")
        j.wait_signed_in("after opening the magic link on another device")
        j.shot("magic-signed-in")
        page.goto(j.url(f"/{locale}/dashboard"))
        assert j.signed_in(), "signed in by the magic link, but the dashboard does not know it"

        # The same link a second time: a clear page, HTTP 410, and a button to get a new link.
        response = page.goto(href)
        assert response is not None and response.status == 410, \
            f"a used magic link answered {response.status if response else None}, not 410"
        renew = page.locator('form[action$="/login/magic-link"]')
        expect(renew.locator('button[type="submit"], button:not([type])').first).to_be_visible()
        expect(page.locator("h1")).to_be_visible()
        j.shot("magic-link-used")

        known = outbox_ids(j, email)
        renew.locator('button[type="submit"], button:not([type])').first.click()
        j.wait_for_path(rf"/{locale}/login/magic-link", "after 'get a new link' on the used-link page")
        open_new_message(j, email, known)
        assert message_link(page, "/auth/magic") != href, "the new link is the used one"
        j.assert_no_problems()


@pytest.mark.parametrize("device_name, locale", CASES)
def test_sms_code(browser: Browser, server: Server, device_name: str, locale: str) -> None:
    email = new_email("sms")
    national, e164 = unique_phone(locale)
    api_signup(server, locale, email, phone=national)
    with device(browser, server, locale, device_name) as j:
        page = j.page
        known = outbox_ids(j, e164)
        type_identifier(j, national)
        expect_only_option(j, "/login/sms", "/login/magic-link", f"typed {national!r}")
        j.shot("sms-phone-typed")

        with page.expect_navigation() as navigation:
            option_button(j, "/login/sms").click()
        status = navigation.value.status if navigation.value else None
        assert status == 200, f"POST /{locale}/login/sms answered {status}:\n{j.visible_text()[:1000]}"
        code_field = page.locator('form[action$="/login/sms/verify"] [name="code"]')
        expect(code_field, f"no code field after 'text me a code':\n{j.visible_text()[:1000]}").to_be_visible()
        assert code_field.get_attribute("autocomplete") == "one-time-code", \
            f"the code field's autocomplete is {code_field.get_attribute('autocomplete')!r}"
        assert code_field.get_attribute("inputmode") == "numeric", \
            f"the code field's inputmode is {code_field.get_attribute('inputmode')!r}"
        shown = page.locator('form[action$="/login/sms/verify"] [name="phone"]').input_value()
        assert shown == e164, f"the code page is for {shown!r}, expected {e164} from {national!r}"
        j.shot("sms-code-page")

        code = read_sms_code(j, e164, known)

        # A wrong code: an error in place, still on the code step, not signed in.
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        code_field.fill(wrong)
        j.submit("/login/sms/verify")
        page.wait_for_load_state()
        j.expect_errors(f"the wrong SMS code {wrong}")
        assert not j.signed_in(), "a wrong SMS code signed in"
        expect(page.locator('form[action$="/login/sms/verify"] [name="code"]')).to_be_visible()
        j.shot("sms-wrong-code")

        page.locator('form[action$="/login/sms/verify"] [name="code"]').fill(code)
        j.submit("/login/sms/verify")
        j.wait_signed_in("after the right SMS code")
        j.shot("sms-signed-in")
        j.assert_no_problems()


# Grey levels of an image given as PNG, read back through a blank page's canvas (no image library needed).
PNG_TO_GREY = """async (b64) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + b64;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.width; canvas.height = img.height;
    const g = canvas.getContext('2d');
    g.drawImage(img, 0, 0);
    const rgba = g.getImageData(0, 0, img.width, img.height).data;
    let grey = '';
    for (let i = 0; i < rgba.length; i += 4) {
        grey += String.fromCharCode((rgba[i] * 299 + rgba[i + 1] * 587 + rgba[i + 2] * 114) / 1000 | 0);
    }
    return {width: img.width, height: img.height, grey: btoa(grey)};
}"""


def scan_qr(j: SigninJourney, qr) -> list[str]:
    """What a camera would read from the QR code as the browser drew it."""
    png = base64.b64encode(qr.screenshot()).decode()
    blank = j.context.new_page()
    try:
        image = blank.evaluate(PNG_TO_GREY, png)
    finally:
        blank.close()
    pixels = memoryview(base64.b64decode(image["grey"])).cast("B", (image["height"], image["width"]))
    return [code.text for code in zxingcpp.read_barcodes(pixels)]


def current_codes(totp: pyotp.TOTP) -> set[str]:
    now = time.time()
    return {totp.at(now + drift) for drift in (-60, -30, 0, 30, 60)}


def wrong_code(totp: pyotp.TOTP) -> str:
    return next(c for c in ("000000", "111111", "222222") if c not in current_codes(totp))


def two_step_page(j: SigninJourney, what: str) -> None:
    j.wait_for_path(rf"/{j.locale}/login/2fa", what)
    field = j.form("/login/2fa").locator('[name="code"]')
    expect(field).to_be_visible()
    assert field.get_attribute("autocomplete") == "one-time-code", "the 2FA code field lacks autocomplete=one-time-code"
    assert field.get_attribute("inputmode") == "numeric", "the 2FA code field lacks inputmode=numeric"
    assert not j.signed_in(), f"{what}: signed in before the second step"


def enter_two_step_code(j: SigninJourney, code: str) -> None:
    j.form("/login/2fa").locator('[name="code"]').fill(code)
    j.submit("/login/2fa")


@pytest.mark.parametrize("device_name, locale", CASES)
def test_two_step_verification(browser: Browser, server: Server, device_name: str, locale: str) -> None:
    email = new_email("2fa")
    api_signup(server, locale, email)
    with device(browser, server, locale, device_name) as j:
        page = j.page
        log_in(j, email, PASSWORD)
        j.wait_signed_in("password sign-in before 2FA is on")
        page.goto(j.url(f"/{locale}/settings"))
        turn_on = j.form("/settings/security/2fa/setup")
        expect(turn_on).to_be_visible()
        j.shot("2fa-settings-off")
        j.submit("/settings/security/2fa/setup")
        page.wait_for_load_state()

        # The secret as text (groups of four base32 characters) and as an otpauth:// link.
        secrets = [t.strip() for t in page.locator("code").all_inner_texts()
                   if re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{4})+", t.strip())]
        assert len(secrets) == 1, f"expected one secret in groups of 4 in a <code>, found {secrets}:\n{j.visible_text()[:1500]}"
        secret = secrets[0].replace(" ", "")
        otpauth = page.locator('a[href^="otpauth://"]')
        expect(otpauth).to_be_visible()
        link = urllib.parse.urlparse(otpauth.get_attribute("href") or "")
        query = urllib.parse.parse_qs(link.query)
        assert link.netloc == "totp", f"the otpauth link is not for TOTP: {link.geturl()}"
        assert query.get("secret", [""])[0].upper() == secret, f"the otpauth secret differs from the text: {link.geturl()}"
        assert email in urllib.parse.unquote(link.path), f"the otpauth link does not name the account: {link.geturl()}"
        qr = page.locator(".qr svg, .qr img, .qr canvas").filter(visible=True)
        if qr.count():  # a QR code is optional; when drawn, it must scan to the same link
            scanned = scan_qr(j, qr.first)
            assert scanned == [link.geturl()], f"the QR code scans as {scanned}, not the otpauth link {link.geturl()}"
        j.shot("2fa-setup")
        totp = pyotp.TOTP(secret)

        # A wrong first code: an error, 2FA still off, the same secret shown.
        enable = j.form("/settings/security/2fa/enable")
        enable.locator('[name="code"]').fill(wrong_code(totp))
        j.submit("/settings/security/2fa/enable")
        page.wait_for_load_state()
        j.expect_errors("a wrong first 2FA code")
        assert secrets[0] in j.visible_text(), "after a wrong first code the page no longer shows the same secret"
        j.shot("2fa-setup-wrong-code")

        j.form("/settings/security/2fa/enable").locator('[name="code"]').fill(totp.now())
        j.submit("/settings/security/2fa/enable")
        page.wait_for_load_state()
        recovery = [c.strip() for c in page.locator("#recovery-codes code, .code-grid code").all_inner_texts()]
        assert len(recovery) == 10 and len(set(recovery)) == 10 and all(recovery), \
            f"expected 10 distinct recovery codes, found {recovery}:\n{j.visible_text()[:1500]}"
        j.shot("2fa-recovery-codes")

        page.goto(j.url(f"/{locale}/settings"))
        expect(j.form("/settings/security/2fa/disable")).to_be_attached()
        expect(j.form("/settings/security/2fa/setup")).to_have_count(0)
        j.shot("2fa-settings-on")
        j.log_out()

        # Password, then the code: a wrong one first, then the next step's (the enabling step is spent).
        log_in(j, email, PASSWORD)
        two_step_page(j, "password sign-in with 2FA on")
        j.shot("2fa-code-asked")
        enter_two_step_code(j, wrong_code(totp))
        page.wait_for_load_state()
        j.expect_errors("a wrong 2FA code at sign-in")
        assert j.path().endswith("/login/2fa") and not j.signed_in(), f"a wrong 2FA code led to {page.url}"
        j.shot("2fa-wrong-code")
        enter_two_step_code(j, totp.at(time.time() + 30))
        j.wait_signed_in("after the right 2FA code")
        j.shot("2fa-signed-in")
        j.assert_no_problems()

    # Another device, a recovery code instead; each works once.
    with device(browser, server, locale, device_name) as j:
        page = j.page
        log_in(j, email, PASSWORD)
        two_step_page(j, "password sign-in on another device")
        enter_two_step_code(j, recovery[0])
        j.wait_signed_in("after a recovery code")
        j.shot("2fa-recovery-signed-in")
        j.log_out()
        log_in(j, email, PASSWORD)
        two_step_page(j, "password sign-in after using a recovery code")
        enter_two_step_code(j, recovery[0])
        page.wait_for_load_state()
        j.expect_errors("a recovery code used twice")
        assert not j.signed_in(), "a recovery code worked twice"
        enter_two_step_code(j, recovery[1])
        j.wait_signed_in("after a second recovery code")
        j.log_out()

        # The magic link is a sign-in path too: it asks for the second step before the session starts.
        known = outbox_ids(j, email)
        type_identifier(j, email)
        option_button(j, "/login/magic-link").click()
        j.wait_for_path(rf"/{locale}/login/magic-link", "after 'email me a link' with 2FA on")
        open_new_message(j, email, known)
        click_message_link(j, "/auth/magic")
        two_step_page(j, "the magic link with 2FA on")
        enter_two_step_code(j, recovery[2])
        j.wait_signed_in("the magic link and a recovery code")

        # Turn it off with the password.
        page.goto(j.url(f"/{locale}/settings"))
        disable = j.form("/settings/security/2fa/disable")
        if not disable.locator('[name="password"]').is_visible():
            page.locator("details:has(form[action$='/settings/security/2fa/disable']) > summary").click()
        disable.locator('[name="password"]').fill(PASSWORD)
        j.shot("2fa-turning-off")
        j.submit("/settings/security/2fa/disable")
        j.wait_for_path(rf"/{locale}/settings", "after turning 2FA off")
        expect(j.form("/settings/security/2fa/setup")).to_be_visible()
        j.shot("2fa-off")
        j.log_out()
        log_in(j, email, PASSWORD)
        j.wait_signed_in("password sign-in after 2FA was turned off (no code asked)")
        j.assert_no_problems()


@pytest.mark.parametrize("device_name, locale", CASES)
def test_password_reset(browser: Browser, server: Server, device_name: str, locale: str) -> None:
    email = new_email("reset")
    api_signup(server, locale, email)
    with device(browser, server, locale, device_name) as other, device(browser, server, locale, device_name) as j:
        # Signed in on another device before the reset: that session ends with it.
        log_in(other, email, PASSWORD)
        other.wait_signed_in("password sign-in on the other device")

        page = j.page
        page.goto(j.url(f"/{locale}/login"))
        page.locator(f'a[href$="/{locale}/forgot-password"]').click()
        j.wait_for_path(rf"/{locale}/forgot-password", "the login page's 'forgot password' link")
        form = j.form("/forgot-password")
        form.locator('[name="email"]').fill(email)
        j.shot("reset-asked")
        known = outbox_ids(j, email)
        j.submit("/forgot-password")
        page.wait_for_load_state()
        assert email in j.visible_text(), f"the 'check your inbox' page does not name {email}:\n{j.visible_text()[:1000]}"
        j.shot("reset-check-inbox")

        open_new_message(j, email, known)
        href = click_message_link(j, "/reset-password")
        j.wait_for_path(rf"/{locale}/reset-password", "after the reset link")
        j.shot("reset-form")

        # The same rules as sign-up: a short password is refused.
        password = j.form("/reset-password").locator('[name="password"]')
        password.fill("short")
        j.submit("/reset-password")
        j.expect_errors("a short new password", browser_checks=True)
        with page.expect_navigation():
            j.form("/reset-password").evaluate("f => f.submit()")  # past the page's own checks, to the server
        j.expect_errors("a short new password sent to the server")
        j.shot("reset-too-short")

        j.form("/reset-password").locator('[name="password"]').fill(NEW_PASSWORD)
        j.submit("/reset-password")
        j.wait_for_path(rf"/{locale}/login", "after setting the new password")
        flash = page.locator('[role="status"]').filter(has_text=re.compile(r"\S"))
        expect(flash.first, "no message that the password changed").to_be_visible()
        j.shot("reset-done")
        other.page.goto(other.url(f"/{locale}/dashboard"))
        other.page.wait_for_load_state()
        assert not other.signed_in(), f"the other device is still signed in after the reset, at {other.page.url}"
        other.assert_no_problems()

        response = page.goto(href)
        assert response is not None and response.status == 410, \
            f"a used reset link answered {response.status if response else None}, not 410"
        expect(page.locator('form[action$="/forgot-password"] button').first).to_be_visible()
        j.shot("reset-link-used")

        log_in(j, email, PASSWORD)
        page.wait_for_load_state()
        j.expect_errors("the old password after a reset")
        assert not j.signed_in(), "the old password still works after a reset"
        j.shot("reset-old-password")
        log_in(j, email, NEW_PASSWORD)
        j.wait_signed_in("sign-in with the new password")
        j.shot("reset-new-password")
        j.assert_no_problems()


@pytest.mark.parametrize("device_name, locale", CASES[:2])
def test_no_oauth_buttons_without_configuration(browser: Browser, server: Server, device_name: str, locale: str) -> None:
    """The test server has no GOOGLE_* or MICROSOFT_* settings: no button leads to a provider."""
    with device(browser, server, locale, device_name) as j:
        for path in (f"/{locale}/login", f"/{locale}/signup"):
            j.page.goto(j.url(path))
            for provider in ("google", "microsoft"):
                expect(j.page.locator(f'a[href$="/auth/{provider}"]'),
                       f"{path} shows a {provider} button without its configuration").to_have_count(0)
        response = j.page.goto(j.url(f"/{locale}/auth/google"))
        assert response is not None and response.status < 500
        j.page.goto(j.url(f"/{locale}/login"))
        j.shot("no-oauth")
        j.assert_no_problems()
