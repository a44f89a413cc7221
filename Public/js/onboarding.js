// Onboarding wizard: the greeting preview follows what is typed ({business} and {name} filled in), and a
// "listen" button reads the greeting aloud with the browser's own speech synthesis where it has one.
// Without JavaScript the preview shows the saved greeting and the button stays hidden.

export function initOnboarding(root = document) {
  const greeting = root.querySelector("textarea[data-greeting]");
  const preview = root.querySelector("[data-greeting-preview]");
  const fill = (text) => text
    .replaceAll("{business}", greeting?.dataset.business || "")
    .replaceAll("{name}", root.querySelector('input[name="name"]')?.value || greeting?.dataset.name || "");
  if (greeting && preview) {
    const update = () => { preview.textContent = fill(greeting.value); };
    greeting.addEventListener("input", update);
    root.querySelector('input[name="name"]')?.addEventListener("input", update);
  }
  for (const button of root.querySelectorAll("[data-speak]")) {
    if (!("speechSynthesis" in window)) continue;
    button.hidden = false;
    button.addEventListener("click", () => {
      const text = greeting ? fill(greeting.value) : button.dataset.speak;
      const utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = { fr: "fr-FR", en: "en-US", he: "he-IL" }[button.dataset.speakLang] || button.dataset.speakLang;
      window.speechSynthesis.cancel();
      window.speechSynthesis.speak(utterance);
    });
  }
}
