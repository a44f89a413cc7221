// Dashboard: the "calls in progress" panel follows the organisation's calls live (Server-Sent Events from
// /api/v1/calls/live, through live-calls.js). Without JavaScript the panel shows the calls in progress when the
// page was loaded; with it, a new call appears, its status and last sentence update, and it is marked ended.
import { startLiveCall } from "./live-calls.js";

function init() {
  const panel = document.querySelector("[data-dashboard-live]");
  if (!panel || !window.EventSource) return;
  const list = panel.querySelector("[data-live-list]");
  const empty = panel.querySelector("[data-live-empty]");
  const locale = panel.dataset.locale || "en";
  const t = (key, fallback) => panel.dataset[key] || fallback;

  function row(callId) {
    let item = list.querySelector(`[data-call-id="${CSS.escape(callId)}"]`);
    if (item) return item;
    item = document.createElement("li");
    item.className = "call-row is-live";
    item.dataset.callId = callId;
    const icon = document.createElement("span");
    icon.className = "outcome outcome-in_progress";
    icon.setAttribute("aria-hidden", "true");
    icon.innerHTML = '<svg class="icon icon-sm" viewBox="0 0 24 24" focusable="false"><circle cx="12" cy="12" r="5"/></svg>';
    const main = document.createElement("div");
    main.className = "call-main";
    const link = document.createElement("a");
    link.className = "call-who";
    link.href = `/${locale}/calls/${encodeURIComponent(callId)}`;
    link.textContent = t("textCall", "Call");
    const meta = document.createElement("p");
    meta.className = "call-meta";
    const state = document.createElement("span");
    state.dataset.liveStateText = "";
    state.textContent = t("textInProgress", "In progress");
    const time = document.createElement("time");
    time.textContent = new Date().toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit" });
    meta.append(state, " · ", time);
    const line = document.createElement("p");
    line.className = "call-summary";
    line.dir = "auto";
    line.dataset.liveLine = "";
    main.append(link, meta, line);
    item.append(icon, main);
    list.prepend(item);
    if (empty) empty.hidden = true;
    return item;
  }

  function setState(item, text, ended) {
    const state = item.querySelector("[data-live-state-text]");
    if (state) state.textContent = text;
    if (ended) {
      item.classList.remove("is-live");
      item.classList.add("is-ended");
    }
  }

  startLiveCall(panel, {
    url: "/api/v1/calls/live",
    onEvent(kind, data) {
      if (!data || !data.callId) return;
      if (kind === "status") {
        const item = row(data.callId);
        if (data.status === "ended") setState(item, t("textEnded", "Ended"), true);
        else setState(item, data.status === "ringing" || data.status === "queued" ? t("textRinging", "Ringing") : t("textInProgress", "In progress"), false);
      } else if (kind === "transcript" && data.text) {
        const item = row(data.callId);
        const line = item.querySelector("[data-live-line]");
        if (line) line.textContent = data.text;
      } else if (kind === "tool-call") {
        row(data.callId);
      } else if (kind === "ended") {
        const item = list.querySelector(`[data-call-id="${CSS.escape(data.callId)}"]`);
        if (item) setState(item, t("textEnded", "Ended"), true);
      }
    },
  });
}

init();
