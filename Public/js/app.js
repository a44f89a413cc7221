// AVA front-end entry point (ES module, loaded on every page; deferred by default).
import { initForms } from "./forms.js";
import { initLogin, initSocialRemember } from "./login.js";
import { initCopy } from "./copy.js";
import { initOnboarding } from "./onboarding.js";
import { initVapiWebCall } from "./vapi-webcall.js";

document.documentElement.classList.add("js");

function initFlash(root = document) {
  for (const button of root.querySelectorAll("[data-dismiss]")) {
    const flash = button.closest("[data-flash]");
    if (!flash) continue;
    button.hidden = false;
    button.addEventListener("click", () => {
      const wrap = flash.parentElement;
      flash.remove();
      if (wrap && wrap.classList.contains("flash-wrap") && !wrap.querySelector("[data-flash]")) wrap.remove();
      const main = document.getElementById("main");
      if (main) main.focus({ preventScroll: true });
    });
  }
}

// <details> menus: close on outside click and on Escape (they already work without JS).
function initMenus(root = document) {
  const menus = Array.from(root.querySelectorAll("details[data-menu]"));
  if (!menus.length) return;
  document.addEventListener("click", (event) => {
    for (const menu of menus) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    for (const menu of menus) {
      if (menu.open) {
        menu.open = false;
        const summary = menu.querySelector("summary");
        if (summary) summary.focus();
      }
    }
  });
}

// Buttons with data-confirm ask before a destructive form is sent (without JS the form is sent as is).
function initConfirm(root = document) {
  for (const button of root.querySelectorAll("button[data-confirm]")) {
    button.addEventListener("click", (event) => {
      if (!window.confirm(button.dataset.confirm)) event.preventDefault();
    });
  }
}

initFlash();
initMenus();
initConfirm();
initForms();
initLogin();
initSocialRemember();
initCopy();
initOnboarding();
initVapiWebCall();
