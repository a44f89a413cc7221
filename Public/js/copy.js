// Copy buttons: <button type="button" hidden data-copy="element-id" data-text-done="Copied">
//   <span data-copy-label aria-live="polite">Copy</span></button>
// The button stays hidden without JavaScript or without the Clipboard API (the text itself is
// selectable). A target holding several <code> elements is copied one per line;
// data-copy-compact drops the spaces (a key shown in groups of four).

function textOf(target, compact) {
  const codes = target.querySelectorAll("code");
  const text = codes.length
    ? Array.from(codes, (code) => code.textContent.trim()).join("\n")
    : target.textContent.trim();
  return compact ? text.replace(/\s+/g, "") : text;
}

export function initCopy(root = document) {
  if (!navigator.clipboard || !window.isSecureContext) return;
  for (const button of root.querySelectorAll("[data-copy]")) {
    const target = document.getElementById(button.dataset.copy);
    if (!target) continue;
    const label = button.querySelector("[data-copy-label]") || button;
    const idle = label.textContent;
    let timer = 0;
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(textOf(target, "copyCompact" in button.dataset));
      } catch {
        return;
      }
      label.textContent = button.dataset.textDone || idle;
      clearTimeout(timer);
      timer = setTimeout(() => {
        label.textContent = idle;
      }, 2500);
    });
  }
}
