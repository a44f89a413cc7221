"""An account owner's first visit, in a real browser: language redirect, sign-up with validation, email
verification through the development outbox, log out, and sign-in by email and by phone number.

Runs on a phone and a desktop, in French (left to right) and Hebrew (right to left), plus once without
JavaScript. Screenshots land in e2e/screenshots/{locale}-{device}-{nn}-{step}.png for a person to look at.
"""

from __future__ import annotations

import random
import re
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Response, expect

from conftest import SCREENSHOTS, Server

PASSWORD = "correct-horse-battery-42"

DEVICES = {
    "phone": dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2),
    "desktop": dict(viewport={"width": 1366, "height": 768}),
}
LOCALES = {"fr": "fr-FR", "he": "he-IL"}
NAMES = {"fr": "Camille Durand", "he": "דנה כהן"}

# Where a page shows that something went wrong with a form: live (JS) or server-rendered errors.
# Error containers may sit empty in the page, so only those with text count (and inputs marked invalid).
ERROR_TEXT_SELECTOR = ", ".join([
    '[role="alert"]', ".error", ".errors", ".field-error", ".form-error", ".invalid-feedback",
    ".alert-error", ".alert-danger", ".flash-error", "[data-error-for]", '[class*="error"]',
])
# Candidates for the "please confirm your email" banner (most specific first), and the words that mark one.
BANNER_SELECTORS = [
    ".banner-verify", '[class*="verif"]', '[id*="verif"]', '[class*="confirm"]', '[class*="banner"]',
    '[data-banner]', '[role="status"]', '[role="alert"]', '[class*="flash"]', '[class*="notice"]',
    '[class*="alert"]',
]
VERIFY_WORDS = re.compile(r"confirm|v[ée]rifi|verify|אמת|אימות|אשר|אישור", re.IGNORECASE)

_used_suffixes: set[int] = set()


def unique_phone(locale: str) -> str:
    """A national-format mobile number whose last two digits no other account of this run has."""
    suffix = random.choice([n for n in range(10, 100) if n not in _used_suffixes])
    _used_suffixes.add(suffix)
    return f"06 12 34 56 {suffix:02d}" if locale == "fr" else f"050-123-45{suffix:02d}"


@dataclass
class Journey:
    """One browser context plus what it saw: screenshots and problems collected along the way."""

    server: Server
    context: BrowserContext
    page: Page
    locale: str
    device: str
    step_no: int = 0
    problems: list[str] = field(default_factory=list)
    # Names the screenshots {locale}-{device}-{tag}-{nn}-{step}.png when set (other test files use one).
    tag: str = ""

    def url(self, path: str) -> str:
        return self.server.base_url + path

    def path(self) -> str:
        return re.sub(r"^https?://[^/]+", "", self.page.url).split("?")[0].split("#")[0]

    def shot_path(self, step: str) -> str:
        """The next screenshot's file: {locale}-{device}[-{tag}]-{nn}-{step}.png."""
        self.step_no += 1
        tag = f"-{self.tag}" if self.tag else ""
        return str(SCREENSHOTS / f"{self.locale}-{self.device}{tag}-{self.step_no:02d}-{step}.png")

    def shot(self, step: str) -> None:
        # From the top: scrolled down (to a focused field), a sticky header lands mid-page in a full-page shot.
        self.page.evaluate("window.scrollTo(0, 0)")
        self.page.screenshot(path=self.shot_path(step), full_page=True)
        if not self.path().startswith("/dev/"):  # developer tools need not fit a phone
            self.check_layout(step)

    def shot_html(self, step: str, html: str) -> None:
        """Renders an email's HTML alone at this device's width, as a mail app would."""
        mail = self.context.new_page()
        try:
            mail.set_content(html)
            mail.screenshot(path=self.shot_path(step), full_page=True)
            self.check_layout(step, mail)
        finally:
            mail.close()

    def check_layout(self, step: str, page: Page | None = None) -> None:
        page = page or self.page
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 1:
            self.problems.append(f"{step}: page scrolls sideways by {overflow}px at {page.url}")

    def form(self, action_suffix: str):
        return self.page.locator(f'form[action$="{action_suffix}"]').first

    def submit(self, action_suffix: str) -> None:
        form = self.form(action_suffix)
        button = form.locator('button[type="submit"], input[type="submit"], button:not([type])').first
        button.click()

    def wait_for_path(self, pattern: str, what: str) -> None:
        regex = re.compile(rf"^https?://[^/]+{pattern}/?(\?.*)?(#.*)?$")
        try:
            self.page.wait_for_url(regex, timeout=15_000)
        except Exception:
            raise AssertionError(f"{what}: expected a page matching {pattern}, still at {self.page.url}\n"
                                 f"visible text: {self.visible_text()[:1500]}") from None

    def visible_text(self) -> str:
        return self.page.locator("body").inner_text()

    def signed_in(self) -> bool:
        return self.page.locator('form[action$="/logout"]').count() > 0

    def expect_errors(self, what: str, browser_checks: bool = False) -> None:
        """Errors are visible, shown by a script or the server (or, with browser_checks, by the browser's own
        constraint validation, whose bubbles are not in the DOM)."""
        errors = self.page.locator(ERROR_TEXT_SELECTOR).filter(has_text=re.compile(r"\S"))
        errors = errors.or_(self.page.locator('[aria-invalid="true"]'))
        try:
            expect(errors.filter(visible=True).first).to_be_visible(timeout=5_000)
            return
        except AssertionError:
            pass
        # A form without novalidate is stopped by the browser, which shows its bubble on the first invalid field.
        invalid = self.page.locator("form:not([novalidate]) :invalid").count() if browser_checks else 0
        assert invalid > 0, f"{what}: no validation error shown at {self.page.url}:\n{self.visible_text()[:1500]}"

    def assert_no_problems(self) -> None:
        if self.problems:
            pytest.fail("problems seen on the way:\n- " + "\n- ".join(self.problems), pytrace=False)

    def log_out(self) -> None:
        button = self.page.locator('form[action$="/logout"] button, form[action$="/logout"] [type="submit"]').first
        if not button.is_visible():
            # Phones may keep the header's links behind a menu button.
            toggles = self.page.locator(", ".join([
                'header button[aria-expanded="false"]', "header details:not(.lang-menu) > summary",
                "[data-nav-toggle]", ".nav-toggle", ".hamburger",
            ])).filter(visible=True)
            if toggles.count() > 0:
                toggles.first.click()
        assert button.is_visible(), f"no visible log-out button (form[action$='/logout'] button) at {self.page.url}"
        button.click()
        self.page.wait_for_load_state()
        expect(self.page.locator('form[action$="/logout"]')).to_have_count(0, timeout=10_000)

    def verify_banner_text(self) -> str | None:
        """The text of the banner that asks to confirm the email address, if one is shown."""
        for selector in BANNER_SELECTORS:
            texts = self.page.locator(selector).filter(visible=True).all_inner_texts()
            matching = [t.strip() for t in texts if VERIFY_WORDS.search(t)]
            if matching:
                # The innermost element is the banner itself rather than a wrapper around the page.
                return min(matching, key=len)
        return None


def longest_cookie_lifetime(cookies: list, ignore: set[str] = frozenset()) -> float:
    """Seconds until the longest-lived of these cookies expires (those named in ignore aside); 0 when all of
    them end with the browser session."""
    now = datetime.now(timezone.utc).timestamp()
    return max([c["expires"] - now for c in cookies if c.get("expires", -1) > 0 and c["name"] not in ignore],
               default=0)


@contextmanager
def kept(j: Journey) -> Iterator[Journey]:
    """Runs a journey's steps: a FAILED screenshot when one fails, its browser context closed afterwards."""
    try:
        yield j
    except BaseException:
        try:
            j.shot("FAILED")
        except Exception:
            pass
        raise
    finally:
        j.context.close()


def open_journey(browser: Browser, server: Server, locale: str, device: str, journey_type: type[Journey] = Journey,
                 **options) -> Journey:
    context = browser.new_context(locale=LOCALES[locale], **DEVICES[device], **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    journey = journey_type(server=server, context=context, page=page, locale=locale, device=device)

    def on_response(response: Response) -> None:
        path = re.sub(r"^https?://[^/]+", "", response.url)
        if not response.url.startswith(server.base_url):
            journey.problems.append(f"request left the server: {response.url}")
        elif response.status >= 500:
            journey.problems.append(f"HTTP {response.status} for {response.request.method} {path}")
        elif response.status == 404 and response.request.resource_type != "document" and path != "/favicon.ico":
            journey.problems.append(f"missing asset: 404 for {path}")

    page.on("response", on_response)
    page.on("pageerror", lambda error: journey.problems.append(f"JavaScript error on {page.url}: {error}"))
    return journey


def sign_up(j: Journey, email: str, phone: str, check_empty: bool = True) -> None:
    page, locale = j.page, j.locale
    page.goto(j.url(f"/{locale}/signup"))
    form = j.form("/signup")
    expect(form).to_be_visible()
    for name in ["name", "email", "phone", "password", "acceptTerms", "_csrf"]:
        assert form.locator(f'[name="{name}"]').count() == 1, f"sign-up form has no field named {name!r}"
    j.shot("signup")

    if check_empty:
        # 1) as a person would: the browser's or the page's own checks stop an empty form.
        j.submit("/signup")
        j.expect_errors("empty sign-up form", browser_checks=True)
        j.shot("signup-empty-submitted")
        # 2) the server's checks: form.submit() skips the page's scripts and the browser's constraint checks.
        with page.expect_navigation():
            form.evaluate("f => f.submit()")
        assert re.search(rf"/{locale}/signup", j.path()), f"empty sign-up went on to {page.url}"
        j.expect_errors("empty sign-up form sent to the server")
        j.shot("signup-errors")
        form = j.form("/signup")

    form.locator('[name="name"]').fill(NAMES[locale])
    form.locator('[name="email"]').fill(email)
    form.locator('[name="phone"]').fill(phone)
    form.locator('[name="password"]').fill(PASSWORD)
    form.locator('[name="acceptTerms"]').check()
    j.shot("signup-filled")
    j.submit("/signup")
    j.wait_for_path(rf"/{locale}/(dashboard|onboarding)(/[^?#]*)?", "after sign-up")
    assert j.signed_in(), f"signed up but no log-out form at {page.url}"


def log_in(j: Journey, identifier: str, password: str, remember: bool = False) -> None:
    j.page.goto(j.url(f"/{j.locale}/login"))
    form = j.form("/login")
    for name in ["identifier", "password", "_csrf"]:
        assert form.locator(f'[name="{name}"]').count() == 1, f"login form has no field named {name!r}"
    form.locator('[name="identifier"]').fill(identifier)
    form.locator('[name="password"]').fill(password)
    if remember:
        form.locator('[name="rememberMe"]').check()
    j.submit("/login")


# Marks the verification link of the message to this address: of the links a.outbox-link, the one whose
# nearest ancestor that names the address holds the fewest such links (the first, newest, on a tie).
PICK_LINK = """email => {
    let best = null, bestCount = Infinity;
    for (const link of document.querySelectorAll('a.outbox-link')) {
        for (let node = link.parentElement; node; node = node.parentElement) {
            if (node.textContent.includes(email)) {
                const count = node.querySelectorAll('a.outbox-link').length;
                if (count < bestCount) { best = link; bestCount = count; }
                break;
            }
        }
    }
    if (best) best.setAttribute('data-e2e-pick', '');
    return best !== null;
}"""


def open_verification_link(j: Journey, email: str) -> None:
    page = j.page
    page.goto(j.url("/dev/outbox"))
    assert page.get_by_text(email).count() > 0, f"/dev/outbox shows no message to {email}:\n{j.visible_text()[:1500]}"
    if not page.evaluate(PICK_LINK, email):
        # A list of messages: open the newest one to this address.
        entry = page.locator("a").filter(has_text=email)
        if entry.count() == 0:
            entry = page.locator("tr, li, article, section, div").filter(has_text=email).locator("a")
        assert entry.count() > 0, f"no link to open the message to {email} on /dev/outbox"
        entry.first.click()
        page.wait_for_load_state()
        if not page.evaluate(PICK_LINK, email):
            assert page.locator("a.outbox-link").count() > 0, f"no a.outbox-link in the message at {page.url}"
            page.locator("a.outbox-link").first.evaluate("a => a.setAttribute('data-e2e-pick', '')")
    j.shot("outbox-message")
    html = page.locator("iframe[srcdoc]").first.get_attribute("srcdoc") if page.locator("iframe[srcdoc]").count() else None
    if html:
        j.shot_html("email", html)
    link = page.locator("a.outbox-link[data-e2e-pick]")
    expect(link).to_be_visible()
    href = link.get_attribute("href") or ""
    assert href.startswith(j.server.base_url + "/") or href.startswith("/"), \
        f"verification link {href!r} does not start with AVA_PUBLIC_URL {j.server.base_url}"
    if link.get_attribute("target"):
        page.goto(href)
    else:
        link.click()
    j.wait_for_path(rf"/{j.locale}(/[^?#]*)?", "after the verification link")


@pytest.mark.parametrize("locale", ["fr", "he"])
@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_journey(browser: Browser, server: Server, device: str, locale: str) -> None:
    j = open_journey(browser, server, locale, device)
    page = j.page
    email = f"e2e-{uuid.uuid4()}@example.com"
    phone = unique_phone(locale)
    with kept(j):
        # The language comes from the browser.
        page.goto(j.url("/"))
        j.wait_for_path(rf"/{locale}", "GET / with Accept-Language " + LOCALES[locale])
        html = page.locator("html")
        assert (html.get_attribute("lang") or "").lower().startswith(locale), "html[lang] is " + repr(html.get_attribute("lang"))
        direction = (html.get_attribute("dir") or "ltr").lower()
        assert direction == ("rtl" if locale == "he" else "ltr"), f"html[dir] is {direction!r}"
        j.shot("home")

        # Sign up, then the dashboard asks to confirm the email.
        sign_up(j, email, phone)
        banner = j.verify_banner_text()
        j.shot("signed-up")
        assert banner, f"no banner asking to confirm the email at {page.url}:\n{j.visible_text()[:1500]}"

        # The link in the email confirms it.
        open_verification_link(j, email)
        assert j.signed_in(), f"after the verification link: not signed in at {page.url}"
        j.shot("email-verified")
        page.goto(j.url(f"/{locale}/dashboard"))
        assert j.signed_in(), "the dashboard does not know the signed-in owner after verification"
        assert banner not in j.visible_text(), f"the banner {banner!r} is still shown after verification"

        j.log_out()
        j.shot("logged-out")

        # A wrong password: an error, still on the login page.
        log_in(j, email, "wrong-horse-battery-43")
        j.expect_errors("wrong password")
        assert j.path().endswith("/login"), f"a wrong password led to {page.url}"
        assert not j.signed_in(), "a wrong password signed in"
        j.shot("login-wrong-password")

        # The phone number, as typed in the country's own format, is an identifier too.
        log_in(j, phone, PASSWORD)
        j.wait_for_path(rf"/{locale}/(dashboard|onboarding)(/[^?#]*)?", f"login with the phone number {phone!r}")
        j.shot("login-by-phone")
        cookies_without_remember = j.context.cookies()
        j.log_out()
        # Cookies that outlive the session (the device's mark, CSRF) say nothing about "remember me".
        not_session = {c["name"] for c in j.context.cookies()}
        lifetime_without_remember = longest_cookie_lifetime(cookies_without_remember, not_session)

        # The email with "remember me": a cookie that outlives the browser session.
        log_in(j, email, PASSWORD, remember=True)
        j.wait_for_path(rf"/{locale}/(dashboard|onboarding)(/[^?#]*)?", "login with email and remember me")
        j.shot("login-remember-me")
        lifetime = longest_cookie_lifetime(j.context.cookies(), not_session)
        assert lifetime > 86_400 and lifetime > lifetime_without_remember, (
            f"remember me: the longest session cookie lasts {lifetime:.0f}s "
            f"(without it: {lifetime_without_remember:.0f}s; not session cookies: {sorted(not_session)}): "
            + repr([(c["name"], c["expires"]) for c in j.context.cookies()]))

        j.assert_no_problems()


def test_without_javascript(browser: Browser, server: Server) -> None:
    """Forms are plain HTML posts: sign-up, log out and sign-in work with JavaScript off."""
    j = open_journey(browser, server, "fr", "desktop", java_script_enabled=False)
    j.device = "desktop-nojs"
    email = f"e2e-{uuid.uuid4()}@example.com"
    with kept(j):
        sign_up(j, email, unique_phone("fr"))
        j.shot("signed-up")
        j.log_out()
        j.shot("logged-out")
        log_in(j, "wrong@example.com", PASSWORD)
        j.expect_errors("unknown email")
        assert j.path().endswith("/login") and not j.signed_in(), f"an unknown email led to {j.page.url}"
        j.shot("login-unknown-email")
        log_in(j, email, PASSWORD)
        j.wait_for_path(r"/fr/(dashboard|onboarding)(/[^?#]*)?", "login without JavaScript")
        assert j.signed_in()
        j.shot("logged-in")
        j.assert_no_problems()
