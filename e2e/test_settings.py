"""Settings in a real browser: the settings hub and its sections, inviting a colleague who joins through the
emailed link (in a second, signed-out browser), the team seen by the owner afterwards, and the account page
(name change, signed-in devices, export links). Phone (390x844) and desktop (1280x800), French and Hebrew.

Screenshots: e2e/screenshots/{locale}-{device}-settings-{nn}-{step}.png.
"""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Browser, expect

from conftest import Server
from test_journey import PASSWORD, open_journey, open_verification_link, sign_up, unique_phone

TEAM = {"fr": "Équipe", "he": "צוות"}
JOIN = {"fr": "Rejoindre", "he": "הצטרפות"}
INVITED = {"fr": "Invitation envoyée", "he": "ההזמנה נשלחה"}
SAVED = {"fr": "Enregistré", "he": "נשמר"}
THIS_DEVICE = {"fr": "cet appareil", "he": "המכשיר הזה"}
COLLEAGUE = {"fr": "Noa Martin", "he": "נועה לוי"}


@pytest.mark.parametrize("device", ["phone", "desktop"])
@pytest.mark.parametrize("locale", ["fr", "he"])
def test_settings_team_invite_and_account(browser: Browser, server: Server, device: str, locale: str) -> None:
    j = open_journey(browser, server, locale, device)
    if device == "desktop":
        j.page.set_viewport_size({"width": 1280, "height": 800})
    j.tag = "settings"
    page = j.page
    invitee = None
    try:
        email = f"settings-{uuid.uuid4().hex[:8]}@example.com"
        sign_up(j, email, unique_phone(locale), check_empty=False)

        # The hub: every section is one tap away.
        page.goto(j.url(f"/{locale}/settings"))
        nav = page.locator("nav.settings-nav")
        for section in ["assistant", "phone-numbers", "booking", "team", "account"]:
            expect(nav.locator(f'a[href="/{locale}/settings/{section}"]')).to_have_count(1)
        j.shot("hub")

        page.goto(j.url(f"/{locale}/settings/assistant"))
        expect(page.locator('textarea[name="systemPrompt"]')).to_be_visible()
        j.shot("assistant")

        # Team: invite a colleague as an administrator.
        nav = page.locator("nav.settings-nav")
        nav.locator(f'a[href="/{locale}/settings/team"]').click()
        j.wait_for_path(rf"/{locale}/settings/team", "team page from the sub-navigation")
        expect(page.locator("h1")).to_contain_text(TEAM[locale])
        colleague = f"colleague-{uuid.uuid4().hex[:8]}@example.com"
        form = j.form("/settings/team/invites")
        form.locator('[name="email"]').fill(colleague)
        form.locator('[name="role"]').select_option("admin")
        j.submit("/settings/team/invites")
        j.wait_for_path(rf"/{locale}/settings/team", "after inviting")
        expect(page.locator("main")).to_contain_text(INVITED[locale])
        expect(page.locator("main")).to_contain_text(colleague)
        j.shot("invited")

        # The colleague opens the emailed link in their own (signed-out) browser and joins.
        invitee = open_journey(browser, server, locale, device)
        if device == "desktop":
            invitee.page.set_viewport_size({"width": 1280, "height": 800})
        invitee.tag = "settings-invitee"
        open_verification_link(invitee, colleague)
        invitee.wait_for_path(rf"/{locale}/invite/[A-Za-z0-9_-]+", "the invitation page")
        expect(invitee.page.locator("h1")).to_contain_text(JOIN[locale])
        invitee.shot("invite-page")
        join = invitee.form("/invite/" + invitee.path().rsplit("/", 1)[-1])
        join.locator('[name="name"]').fill(COLLEAGUE[locale])
        join.locator('[name="password"]').fill("short")
        join.locator('[name="acceptTerms"]').check()
        invitee.submit("/invite/" + invitee.path().rsplit("/", 1)[-1])
        invitee.expect_errors("short password on the invitation form")
        invitee.shot("invite-refused")
        join = invitee.page.locator('form[action*="/invite/"]').first
        join.locator('[name="password"]').fill(PASSWORD)
        if not join.locator('[name="acceptTerms"]').is_checked():
            join.locator('[name="acceptTerms"]').check()
        join.locator('button[type="submit"]').click()
        invitee.wait_for_path(rf"/{locale}/dashboard", "after joining")
        assert invitee.signed_in()
        invitee.page.goto(invitee.url(f"/{locale}/settings/team"))
        expect(invitee.page.locator("main")).to_contain_text(email)
        invitee.shot("team-as-admin")
        invitee.assert_no_problems()

        # The owner sees the new administrator.
        page.goto(j.url(f"/{locale}/settings/team"))
        expect(page.locator("main")).to_contain_text(COLLEAGUE[locale])
        j.shot("team")

        # Account: rename, see this device, the export links.
        page.goto(j.url(f"/{locale}/settings/account"))
        expect(page.locator("#sessions")).to_contain_text(THIS_DEVICE[locale])
        expect(page.locator('a[href$="/settings/account/export.json"]')).to_have_count(1)
        profile = j.form("/settings/account/profile")
        profile.locator('[name="name"]').fill("Camille Martin" if locale == "fr" else "דנה לוי")
        j.submit("/settings/account/profile")
        j.wait_for_path(rf"/{locale}/settings/account", "after renaming")
        expect(page.locator("#profile")).to_contain_text(SAVED[locale])
        j.shot("account")

        # A wrong current password is refused in the page's language.
        password = j.form("/settings/account/password")
        password.locator('[name="currentPassword"]').fill("not-the-password-1")
        password.locator('[name="newPassword"]').fill("another-long-password-9")
        j.submit("/settings/account/password")
        j.expect_errors("wrong current password")
        j.shot("password-refused")
        j.assert_no_problems()
    finally:
        if invitee is not None:
            invitee.context.close()
        j.context.close()
