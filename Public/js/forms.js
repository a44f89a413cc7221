// Progressive enhancement for form[data-validate]: live validation with localized
// messages read from data-msg-* attributes, phone preview, password show/hide.
// Without JavaScript the forms post normally and the server validates.
import { normalizePhone, formatPhone, looksLikePhone, fillInto } from "./phone.js";

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/;

function errorElement(form, field) {
  return form.querySelector(`[data-error-for="${CSS.escape(field.name)}"]`);
}

function setError(form, field, message) {
  const el = errorElement(form, field);
  if (message) {
    field.setAttribute("aria-invalid", "true");
    if (el) el.textContent = message;
  } else {
    field.removeAttribute("aria-invalid");
    if (el) el.textContent = "";
  }
}

/** Returns a localized message when the field is invalid, or "" when it's fine. */
function validate(form, field) {
  const data = field.dataset;
  const country = form.dataset.country || "FR";

  if (field.type === "checkbox") {
    return "required" in data && !field.checked ? data.msgRequired || "" : "";
  }

  const value = field.value.trim();
  if (!value) {
    return "required" in data ? data.msgRequired || "" : "";
  }

  if (field.type === "email" && !EMAIL_RE.test(value)) {
    return data.msgInvalid || "";
  }

  if ("phone" in data && !normalizePhone(value, country)) {
    return data.msgInvalid || "";
  }

  if ("identifier" in data) {
    if (value.includes("@")) {
      if (!EMAIL_RE.test(value)) return data.msgInvalidEmail || "";
    } else if (looksLikePhone(value) && (value.match(/\d/g) || []).length < 6) {
      return data.msgInvalidPhone || "";
    }
  }

  // data-pattern: the same rule the server applies (an area code, a Twilio SID).
  if (data.pattern && !new RegExp(data.pattern).test(value)) {
    return data.msgInvalid || "";
  }

  if (data.minLength && field.value.length < Number(data.minLength)) {
    return data.msgTooShort || "";
  }

  return "";
}

function updatePhonePreview(form, field) {
  const preview = form.querySelector("[data-phone-preview]");
  if (!preview) return;
  const e164 = normalizePhone(field.value, form.dataset.country || "FR");
  if (e164) fillInto(preview, field.dataset.msgPreview, formatPhone(e164));
  else preview.textContent = "";
}

function enhancePasswordToggles(root) {
  for (const button of root.querySelectorAll("[data-password-toggle]")) {
    const input = document.getElementById(button.dataset.passwordToggle);
    if (!input) continue;
    button.hidden = false;
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", () => {
      const show = input.type === "password";
      input.type = show ? "text" : "password";
      button.textContent = show ? button.dataset.textHide : button.dataset.textShow;
      button.setAttribute("aria-label", show ? button.dataset.labelHide : button.dataset.labelShow);
      button.setAttribute("aria-pressed", String(show));
    });
  }
}

function enhanceForm(form) {
  const fields = Array.from(form.querySelectorAll("input, select, textarea")).filter(
    (f) => f.name && f.type !== "hidden" && f.type !== "submit"
  );
  const touched = new WeakSet();

  for (const field of fields) {
    const check = () => setError(form, field, validate(form, field));

    if (field.type === "checkbox") {
      field.addEventListener("change", () => {
        touched.add(field);
        check();
      });
      continue;
    }

    field.addEventListener("blur", () => {
      if (field.value.trim() !== "") touched.add(field);
      if (touched.has(field)) check();
    });

    field.addEventListener("input", () => {
      if ("phone" in field.dataset) updatePhonePreview(form, field);
      // Re-check while typing only once the field has been judged (or the server flagged it).
      if (touched.has(field) || field.getAttribute("aria-invalid") === "true") {
        const message = validate(form, field);
        // While typing, clear errors eagerly but only show new ones on blur.
        if (!message) setError(form, field, "");
      }
    });

    if ("phone" in field.dataset && field.value) updatePhonePreview(form, field);
  }

  form.addEventListener("submit", (event) => {
    // A field marked data-for-method="password" only matters to the button that sends that method
    // (or to a submit without a data-method button, like Enter in a field).
    const submitter = event.submitter || null;
    const method = submitter ? submitter.dataset.method : undefined;
    let firstInvalid = null;
    for (const field of fields) {
      if (method && field.dataset.forMethod && field.dataset.forMethod !== method) {
        setError(form, field, "");
        continue;
      }
      touched.add(field);
      const message = validate(form, field);
      setError(form, field, message);
      if (message && !firstInvalid) firstInvalid = field;
    }
    if (firstInvalid) {
      event.preventDefault();
      firstInvalid.focus();
      return;
    }
    const busy = submitter || form.querySelector("[data-submit]");
    const buttons = form.querySelectorAll('button[type="submit"]');
    // Avoid double posts (after the browser has read the pressed button, so its formaction still
    // applies); re-enabled if the page comes back from the back/forward cache.
    setTimeout(() => {
      for (const button of buttons) button.disabled = true;
      if (busy) busy.setAttribute("aria-busy", "true");
    }, 0);
  });

  window.addEventListener("pageshow", () => {
    for (const button of form.querySelectorAll('button[type="submit"]')) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  });
}

export function initForms(root = document) {
  enhancePasswordToggles(root);
  for (const form of root.querySelectorAll("form[data-validate]")) enhanceForm(form);
}
