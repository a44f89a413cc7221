"""A newcomer's whole first visit, in a real browser, in the sandbox: the landing page, sign-up, email
verification, the five onboarding steps (a fictional number in one click, an industry preset, the assistant's
name and greeting), a test call with the call simulator that books a real slot while the transcript appears
live, and the dashboard. Phone and desktop, French and Hebrew.

It counts the owner's actions (clicks, fields filled, keys sent) and the elapsed time and prints both (target:
at most 15 actions and under 3 minutes; printed, not asserted). Screenshots:
e2e/screenshots/{locale}-{device}-onboarding-{nn}-{step}.png.
"""

from __future__ import annotations

import time
import uuid

import pytest
from playwright.sync_api import Browser, expect

from conftest import Server
from test_journey import NAMES, PASSWORD, open_journey, open_verification_link
from test_simulator import ASK, BOOKED, CALLER, OFFERED, PICK

WELCOME = {"fr": "configurons votre réceptionniste IA en 5 minutes", "he": "בואו נגדיר את פקידת הקבלה החכמה שלכם"}
INDUSTRY_OTHER = {"fr": "Autre", "he": "אחר"}
BRAVO = {"fr": "Bravo", "he": "כל הכבוד"}


@pytest.mark.parametrize("device", ["phone", "desktop"])
@pytest.mark.parametrize("locale", ["fr", "he"])
def test_newcomer_reaches_a_live_test_call(browser: Browser, server: Server, device: str, locale: str) -> None:
    j = open_journey(browser, server, locale, device)
    j.tag = "onboarding"
    page = j.page
    actions = 0
    started = time.monotonic()

    def act(n: int = 1) -> None:
        nonlocal actions
        actions += n

    try:
        page.goto(j.url(f"/{locale}"))
        j.shot("landing")
        page.locator(f'a[href="/{locale}/signup"]').first.click(); act()
        j.wait_for_path(rf"/{locale}/signup", "sign-up from the landing page")
        form = j.form("/signup")
        email = f"onb-{uuid.uuid4().hex[:8]}@example.com"
        form.locator('[name="name"]').fill(NAMES[locale]); act()
        form.locator('[name="email"]').fill(email); act()
        form.locator('[name="password"]').fill(PASSWORD); act()
        form.locator('[name="acceptTerms"]').check(); act()
        j.submit("/signup"); act()
        j.wait_for_path(rf"/{locale}/onboarding", "sign-up leads to onboarding")
        expect(page.locator("main")).to_contain_text(WELCOME[locale])
        j.check_layout("welcome")
        j.shot("1-welcome")

        # The verification email (the owner opens it from their mailbox: one action), then back to the wizard.
        open_verification_link(j, email); act()
        page.goto(j.url(f"/{locale}/onboarding"))

        j.submit("/onboarding/1"); act()
        j.wait_for_path(rf"/{locale}/onboarding", "step 2")
        expect(page.locator('.progress')).to_have_attribute("aria-valuenow", "40")
        j.shot("2-number")
        page.locator('button[value="sandbox"]').click(); act()
        j.wait_for_path(rf"/{locale}/onboarding", "step 3")
        j.check_layout("industry")
        j.shot("3-industry")
        page.locator(".choice").filter(has_text=INDUSTRY_OTHER[locale]).click(); act()
        j.form("/onboarding/3").locator('button[value="next"]').click(); act()
        j.wait_for_path(rf"/{locale}/onboarding", "step 4")
        j.check_layout("customise")
        j.shot("4-customise")
        # The greeting preview follows what is typed.
        greeting = page.locator('textarea[name="firstMessage"]')
        expect(greeting).to_be_visible()
        j.form("/onboarding/4").locator('button[value="next"]').click(); act()
        j.wait_for_path(rf"/{locale}/onboarding", "step 5")
        j.shot("5-test-call")

        # The test call, inside the step: the transcript arrives live while the owner types.
        j.form("/simulator/start").locator('[name="callerName"]').fill(CALLER[locale]); act()
        j.submit("/simulator/start"); act()
        j.wait_for_path(rf"/{locale}/onboarding", "call started")
        call = page.locator("[data-simulator]")
        expect(call).to_have_attribute("data-live-state", "live", timeout=10_000)
        page.locator("#sim-text").fill(ASK[locale]); act()
        page.locator("[data-simulator-say] button[type=submit]").click(); act()
        expect(call.locator(".live-line--assistant").last).to_contain_text(OFFERED[locale], timeout=10_000)
        j.shot("5-live")
        page.locator("#sim-text").fill(PICK[locale]); act()
        page.locator("[data-simulator-say] button[type=submit]").click(); act()
        expect(call.locator(".live-line--assistant")).to_have_count(3, timeout=10_000)
        j.submit("/hang-up"); act()
        expect(page.locator("[data-simulator-outcome]")).to_contain_text(BOOKED[locale], timeout=10_000)
        expect(page.locator(".onb-bravo")).to_contain_text(BRAVO[locale])
        j.check_layout("call-done")
        j.shot("5-done")

        j.form("/onboarding/5").locator('button[value="finish"]').click(); act()
        j.wait_for_path(rf"/{locale}/dashboard", "the dashboard at the end")
        j.shot("dashboard")
        elapsed = time.monotonic() - started
        print(f"\nonboarding {locale}/{device}: {actions} actions, {elapsed:.1f} s from the landing page to the dashboard")
        j.assert_no_problems()
    finally:
        j.context.close()
