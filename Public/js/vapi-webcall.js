// A web call to the owner's real assistant through Vapi's own browser SDK, offered on the onboarding's test-call
// step when the operator set VAPI_PUBLIC_KEY. The SDK is loaded from Vapi's CDN only on that page, only when the
// button is pressed (the page's Content-Security-Policy allows that host there and nowhere else). If it cannot
// load or start (offline, blocked, no microphone), the button says so and the call simulator below stays the way.
//
//   <div data-vapi-webcall data-public-key="…" data-assistant-id="…" data-sdk="https://cdn.jsdelivr.net/npm/@vapi-ai/web@2/+esm"
//        data-text-start="…" data-text-stop="…" data-text-failed="…" data-text-live="…">
//     <button type="button" hidden>…</button> <p role="status"></p>
//   </div>

export function initVapiWebCall(root = document) {
  for (const box of root.querySelectorAll("[data-vapi-webcall]")) {
    const button = box.querySelector("button");
    const status = box.querySelector("[role=status]");
    if (!button) continue;
    button.hidden = false;
    let vapi = null;
    const say = (text) => { if (status) status.textContent = text || ""; };
    button.addEventListener("click", async () => {
      if (vapi) {
        vapi.stop();
        return;
      }
      button.disabled = true;
      try {
        const module = await import(box.dataset.sdk);
        const Vapi = module.default || module.Vapi;
        vapi = new Vapi(box.dataset.publicKey);
        vapi.on("call-start", () => { say(box.dataset.textLive); button.textContent = box.dataset.textStop; });
        vapi.on("call-end", () => { vapi = null; say(""); button.textContent = box.dataset.textStart; });
        vapi.on("error", () => { vapi = null; say(box.dataset.textFailed); button.textContent = box.dataset.textStart; });
        await vapi.start(box.dataset.assistantId);
      } catch (error) {
        vapi = null;
        say(box.dataset.textFailed);
      } finally {
        button.disabled = false;
      }
    });
  }
}
