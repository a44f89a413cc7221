// Light phone-number helpers for previews only: the server is the authority.
// normalizePhone("06 12 34 56 78", "FR") -> "+33612345678"

const COUNTRY_CODES = { FR: "33", IL: "972", US: "1" };

/** Keep digits and a leading "+"; turn a leading "00" into "+". */
function clean(raw) {
  const trimmed = String(raw || "").trim();
  let value = trimmed.replace(/[^\d+]/g, "");
  value = value.charAt(0) + value.slice(1).replace(/\+/g, "");
  if (value.startsWith("00")) value = "+" + value.slice(2);
  return value;
}

/** Returns an E.164 string ("+33612345678") or null when the input can't be read. */
export function normalizePhone(raw, country = "FR") {
  const value = clean(raw);
  if (!value) return null;

  if (value.startsWith("+")) {
    const digits = value.slice(1);
    if (!/^[1-9]\d{7,14}$/.test(digits)) return null;
    return "+" + digits;
  }

  const digits = value;
  switch ((country || "FR").toUpperCase()) {
    case "FR":
      // 0X XX XX XX XX, or the 9 digits without the trunk 0
      if (/^0[1-9]\d{8}$/.test(digits)) return "+33" + digits.slice(1);
      if (/^[1-9]\d{8}$/.test(digits)) return "+33" + digits;
      if (/^33[1-9]\d{8}$/.test(digits)) return "+" + digits;
      return null;
    case "IL":
      // 05X-XXX-XXXX (mobile, 10 digits) or 0X-XXX-XXXX (landline, 9 digits)
      if (/^0[2-9]\d{7,8}$/.test(digits)) return "+972" + digits.slice(1);
      if (/^972[2-9]\d{7,8}$/.test(digits)) return "+" + digits;
      return null;
    case "US":
      // (415) 555-0100, 415-555-0100, 1 415 555 0100
      if (/^[2-9]\d{2}[2-9]\d{6}$/.test(digits)) return "+1" + digits;
      if (/^1[2-9]\d{2}[2-9]\d{6}$/.test(digits)) return "+" + digits;
      return null;
    default: {
      const code = COUNTRY_CODES[country];
      if (code && /^0?\d{6,14}$/.test(digits)) return "+" + code + digits.replace(/^0/, "");
      return null;
    }
  }
}

/** Human-friendly grouping of an E.164 number: "+33 6 12 34 56 78". */
export function formatPhone(e164) {
  if (!e164 || !e164.startsWith("+")) return e164 || "";
  const d = e164.slice(1);
  if (d.startsWith("33") && d.length === 11) {
    const n = d.slice(2);
    return "+33 " + n[0] + " " + n.slice(1).match(/\d{2}/g).join(" ");
  }
  if (d.startsWith("972") && (d.length === 11 || d.length === 12)) {
    const n = d.slice(3);
    return n.length === 9
      ? "+972 " + n.slice(0, 2) + " " + n.slice(2, 5) + " " + n.slice(5)
      : "+972 " + n.slice(0, 1) + " " + n.slice(1, 4) + " " + n.slice(4);
  }
  if (d.startsWith("1") && d.length === 11) {
    return "+1 " + d.slice(1, 4) + " " + d.slice(4, 7) + " " + d.slice(7);
  }
  return e164;
}

/** True when the text looks like a phone number rather than an email or a name. */
export function looksLikePhone(raw) {
  const value = String(raw || "").trim();
  if (!value || value.includes("@")) return false;
  if (!/^[+\d\s().\-/]+$/.test(value)) return false;
  return (value.match(/\d/g) || []).length >= 3;
}

/**
 * Puts a localized template into an element, with {0} replaced by `value` inside an
 * LTR-isolated <bdi>, so numbers like "+33 6 12 34 56 78" keep their order in RTL sentences.
 */
export function fillInto(el, template, value) {
  const [before, ...rest] = String(template || "").split("{0}");
  const bdi = document.createElement("bdi");
  bdi.dir = "ltr";
  bdi.textContent = value;
  el.replaceChildren(document.createTextNode(before), bdi, document.createTextNode(rest.join(value)));
}
