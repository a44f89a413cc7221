// Dashboard: the "calls in progress" panel follows the organisation's calls live (Server-Sent Events from
// /api/v1/calls/live, through live-calls.js). Without JavaScript the panel shows the calls in progress when the
// page was loaded; with it, a new call appears, its status and last sentence update, and it is marked ended.
// The status wording follows DashboardPage.liveStatus: ringing ("Incoming call" until the caller is known),
// in progress (with the caller's name or number), being transferred, ended.
import { startLiveCall } from "./live-calls.js";

function init() {
  const panel = document.querySelector("[data-dashboard-live]");
  if (!panel || !window.EventSource) return;
  const list = panel.querySelector("[data-live-list]");
  const empty = panel.querySelector("[data-live-empty]");
  const locale = panel.dataset.locale || "en";
  const t = (key, fallback) => panel.dataset[key] || fallback;

  function liveStatus(status) {
    if (status === "scheduled" || status === "queued" || status === "ringing") return "ringing";
    if (status === "forwarding" || status === "ended") return status;
    return "in-progress";
  }

  function label(status) {
    switch (liveStatus(status)) {
      case "ringing": return t("textRinging", "Ringing");
      case "forwarding": return t("textForwarding", "Being transferred");
      case "ended": return t("textEnded", "Ended");
      default: return t("textInProgress", "Call in progress");
    }
  }

  // A call first seen through the stream: its caller's name or number from the API (the events carry none).
  async function fillCaller(item, callId) {
    try {
      const answer = await fetch(`/api/v1/calls/${encodeURIComponent(callId)}`, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!answer.ok) return;
      const call = await answer.json();
      const link = item.querySelector(".call-who");
      const name = (call.callerName || "").trim();
      if (link && (name || call.fromNumber)) {
        link.textContent = "";
        if (name) link.textContent = name;
        else {
          const number = document.createElement("bdi");
          number.dir = "ltr";
          number.textContent = call.fromNumber;
          link.append(number);
        }
      } else if (link && liveStatus(call.status) !== "ringing") {
        link.textContent = t("textUnknown", link.textContent);
      }
      if (!item.dataset.liveCallStatus && call.status) setState(item, call.status);
    } catch (_) {
      // The placeholder stays: the row still links to the call's page.
    }
  }

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
    state.textContent = t("textRinging", "Ringing");
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
    fillCaller(item, callId);
    return item;
  }

  function setState(item, status) {
    const state = item.querySelector("[data-live-state-text]");
    if (state) state.textContent = label(status);
    item.dataset.liveCallStatus = liveStatus(status);
    const link = item.querySelector(".call-who");
    // "Incoming call" was only right while it rang and nobody knew who it was.
    if (link && liveStatus(status) !== "ringing" && link.textContent === t("textCall", "Incoming call")) {
      link.textContent = t("textUnknown", link.textContent);
    }
    if (status === "ended") {
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
        setState(item, data.status || "in-progress");
      } else if (kind === "transcript" && data.text) {
        const item = row(data.callId);
        // Someone is talking: the call was answered, whatever the events missed.
        if (!item.dataset.liveCallStatus || item.dataset.liveCallStatus === "ringing") setState(item, "in-progress");
        const line = item.querySelector("[data-live-line]");
        if (line) line.textContent = data.text;
      } else if (kind === "tool-call") {
        row(data.callId);
      } else if (kind === "ended") {
        const item = list.querySelector(`[data-call-id="${CSS.escape(data.callId)}"]`);
        if (item) setState(item, "ended");
      }
    },
  });
}

init();
