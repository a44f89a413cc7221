// Login: detect whether the identifier is an email or a phone number and show only the
// sign-in options that fit (email: password or a sign-in link; phone: password or a text
// message code; nothing recognised yet: all of them). Without JavaScript every option is
// visible and each one posts the same form.
import { normalizePhone, formatPhone, looksLikePhone, fillInto } from "./phone.js";

/** Sign-in methods (the buttons' data-method) that fit each kind of identifier. */
const METHODS_FOR = {
  email: ["password", "magic_link"],
  phone: ["password", "sms_code"],
};

/** "email" | "phone" | null */
export function detectIdentifier(value) {
  const v = String(value || "").trim();
  if (!v) return null;
  if (v.includes("@")) return "email";
  if (looksLikePhone(v)) return "phone";
  return null;
}

function enhanceLogin(form) {
  const input = form.querySelector("[data-identifier]");
  const hint = form.querySelector("[data-identifier-hint]");
  if (!input) return;
  const methods = form.querySelectorAll("[data-method]");
  const groups = form.querySelectorAll("[data-method-group]");
  const defaultHint = hint ? hint.textContent : "";
  const country = form.dataset.country || "FR";
  let lastKey = "default";

  const update = () => {
    const kind = detectIdentifier(input.value);
    // The right keyboard on phones: digits once a number is being typed, letters and @ otherwise.
    const wantsDigits = /^[+(\d]/.test(input.value.trim()) && !/[a-z@]/i.test(input.value);
    const mode = wantsDigits ? "tel" : "email";
    if (input.inputMode !== mode) input.inputMode = mode;
    const fitting = kind ? METHODS_FOR[kind] : null;
    for (const el of methods) el.hidden = fitting !== null && !fitting.includes(el.dataset.method);
    // a group of options (with its "or" separator) goes away when none of its options is left
    for (const group of groups) group.hidden = !group.querySelector("[data-method]:not([hidden])");
    form.dataset.identifierKind = kind || "";

    // key identifies what the hint says, so the live region is only touched on real changes
    let key = "default";
    let render = (el) => {
      el.textContent = defaultHint;
    };
    if (kind === "email") {
      key = "email";
      render = (el) => {
        el.textContent = input.dataset.msgDetectedEmail || defaultHint;
      };
    } else if (kind === "phone") {
      const e164 = normalizePhone(input.value, country);
      key = "phone:" + (e164 || "");
      render = e164
        ? (el) => fillInto(el, input.dataset.msgDetectedPhone, formatPhone(e164))
        : (el) => {
            el.textContent = input.dataset.msgDetectedPhonePartial || defaultHint;
          };
    }
    if (hint && key !== lastKey) {
      render(hint);
      hint.classList.toggle("hint-detected", kind !== null);
      lastKey = key;
    }
  };

  input.addEventListener("input", update);
  input.addEventListener("change", update);
  update();
}

export function initLogin(root = document) {
  for (const form of root.querySelectorAll("form[data-login]")) enhanceLogin(form);
}

// "Remember me" also applies to Google and Microsoft: their links carry it when the box is ticked.
// (Without JavaScript the links work too, as a browser-session sign-in.)
export function initSocialRemember(root = document) {
  const box = root.querySelector("#login-remember");
  if (!box) return;
  for (const link of root.querySelectorAll("a.btn-social")) {
    link.addEventListener("click", () => {
      const url = new URL(link.href, window.location.href);
      if (box.checked) url.searchParams.set("rememberMe", "true");
      else url.searchParams.delete("rememberMe");
      link.href = url.pathname + url.search;
    });
  }
}
