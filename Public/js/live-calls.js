// Live transcript of a call (Server-Sent Events from GET /api/v1/calls/{callId}/live, or
// /api/v1/calls/live for every call of the organisation). Plain DOM, no library.
//
// Markup (the page provides the texts, already translated; the session cookie authenticates):
//
//   <section data-live-call="CALL-UUID"                     (omit the value: all calls of the organisation)
//            data-live-since="1790000000123-0a1b2c3d"         (one call: the id of the last line the page rendered,
//                                                              "0" for none; the stream replays what came after)
//            data-label-assistant="AVA" data-label-user="Caller"
//            data-text-connecting="Connecting…" data-text-live="Live"
//            data-text-reconnecting="Reconnecting…" data-text-ended="Call ended"
//            data-text-status-ringing="Ringing" data-text-status-in-progress="In progress"   (optional, per status)
//            data-text-unavailable="Live transcript unavailable">
//     <p data-live-status role="status" aria-live="polite"></p>
//     <ol data-live-lines aria-live="polite"></ol>
//   </section>
//   Start it from a page module (AVA's CSP forbids inline scripts):
//     import { initLiveCalls } from "/js/live-calls.js";
//     initLiveCalls();
//
// API:
//   initLiveCalls(root = document) → array of controllers, one per [data-live-call] element not yet started.
//   startLiveCall(element, { url, onEvent, skipLine }) → { close() }: one element; `url` overrides the address,
//     `onEvent(kind, data)` sees every event (status, transcript, ended, tool-call) after the DOM update;
//     `skipLine(data)` returning true drops a final line the page already shows (added without the stream).
//   Each line is <li class="live-line live-line--assistant|user" data-role data-final="true|false">
//     <span class="live-line__who">label</span> <span class="live-line__text" dir="auto">text</span></li>
//   A partial line is replaced by the next partial or final line of the same speaker (same call); a final line
//   stays. Text direction follows each line (dir="auto"), so Hebrew and French/English mix correctly in RTL
//   pages; the layout uses logical CSS properties only.
//   The container gets data-live-state="connecting|live|reconnecting|ended|unavailable".
//   EventSource reconnects by itself after a network drop (server says retry: 3000); when the server
//   refuses (401/404) the browser gives up, so we try again with a growing delay, up to 5 attempts.
//   Nothing is lost meanwhile on a one-call stream: its events carry ids, EventSource sends the last one back
//   (Last-Event-ID) and our own new connections pass it as `since`; the server first replays the stored lines
//   after it and the call's status. A final line whose id was already shown is not shown twice.

const EVENTS = ["status", "transcript", "ended", "tool-call"];

function text(element, key, fallback) {
  return element.dataset[key] || fallback;
}

function camel(status) {
  return String(status).replace(/[-_ ]+(\w)/g, (_, letter) => letter.toUpperCase()).replace(/^\w/, (c) => c.toUpperCase());
}

export function startLiveCall(element, options = {}) {
  const callId = element.dataset.liveCall || "";
  const base = options.url || (callId ? `/api/v1/calls/${encodeURIComponent(callId)}/live` : "/api/v1/calls/live");
  // Where this page is in the call (one call only): the last line rendered, then the last event received.
  let since = callId ? element.dataset.liveSince || "" : "";
  const shownFinals = new Set();
  const status = element.querySelector("[data-live-status]");
  const list = element.querySelector("[data-live-lines]");
  // The open partial line of each speaker, per call: "callId|role" → <li>.
  const partials = new Map();
  let source = null;
  let failures = 0;
  let retryTimer = 0;
  let closed = false;

  function setState(state, label) {
    element.dataset.liveState = state;
    if (status && label) status.textContent = label;
  }

  function addLine(data) {
    if (!list || !data.text) return;
    const role = data.role === "assistant" ? "assistant" : "user";
    const key = `${data.callId}|${role}`;
    let line = partials.get(key);
    if (!line) {
      line = document.createElement("li");
      line.className = `live-line live-line--${role}`;
      line.dataset.role = role;
      const who = document.createElement("span");
      who.className = "live-line__who";
      who.textContent = role === "assistant" ? text(element, "labelAssistant", "AVA") : text(element, "labelUser", "Caller");
      const said = document.createElement("span");
      said.className = "live-line__text";
      said.dir = "auto";
      line.append(who, " ", said);
      list.append(line);
    }
    line.querySelector(".live-line__text").textContent = data.text;
    line.dataset.final = data.final ? "true" : "false";
    if (data.final) partials.delete(key);
    else partials.set(key, line);
    // Keep the newest line in view when the list scrolls (only if the reader is already at the bottom).
    const scroller = list.closest("[data-live-scroll]") || list;
    if (scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80) scroller.scrollTop = scroller.scrollHeight;
  }

  function handle(kind, event) {
    let data;
    try {
      data = JSON.parse(event.data);
    } catch {
      return;
    }
    if (callId && event.lastEventId) since = event.lastEventId;
    if (kind === "transcript" && data.final) {
      const id = event.lastEventId;
      if (id && shownFinals.has(id)) return;
      if (id) shownFinals.add(id);
      if (options.skipLine && options.skipLine(data)) return;
    }
    if (kind === "transcript") addLine(data);
    else if (kind === "status" && data.status) {
      // Status texts describe one call: the organisation-wide view leaves them to onEvent.
      const label = element.dataset[`textStatus${camel(data.status)}`];
      if (callId && data.status === "ended") setState("ended", text(element, "textEnded", "Call ended"));
      else if (callId && label) setState("live", label);
    } else if (kind === "ended") {
      for (const key of Array.from(partials.keys())) if (key.startsWith(`${data.callId}|`)) partials.delete(key);
      if (callId) {
        setState("ended", text(element, "textEnded", "Call ended"));
        close();  // one call watched: nothing more will come
      }
    }
    if (options.onEvent) options.onEvent(kind, data);
  }

  function connect() {
    if (closed) return;
    setState(failures ? "reconnecting" : "connecting", failures ? text(element, "textReconnecting", "Reconnecting…") : text(element, "textConnecting", "Connecting…"));
    const url = since ? `${base}${base.includes("?") ? "&" : "?"}since=${encodeURIComponent(since)}` : base;
    source = new EventSource(url, { withCredentials: true });
    source.addEventListener("ready", () => {
      failures = 0;
      if (element.dataset.liveState !== "ended") setState("live", text(element, "textLive", "Live"));
    });
    for (const kind of EVENTS) source.addEventListener(kind, (event) => handle(kind, event));
    source.addEventListener("error", () => {
      if (closed) return;
      if (source.readyState === EventSource.CONNECTING) {
        // The browser retries by itself.
        setState("reconnecting", text(element, "textReconnecting", "Reconnecting…"));
        return;
      }
      // Closed for good (refused, or not an event stream): try again ourselves, then give up.
      source.close();
      failures += 1;
      if (failures > 5) {
        setState("unavailable", text(element, "textUnavailable", "Live transcript unavailable"));
        return;
      }
      retryTimer = window.setTimeout(connect, Math.min(30000, 1000 * 2 ** failures));
    });
  }

  function close() {
    closed = true;
    window.clearTimeout(retryTimer);
    if (source) source.close();
  }

  connect();
  window.addEventListener("pagehide", close, { once: true });
  return { close };
}

export function initLiveCalls(root = document) {
  const controllers = [];
  for (const element of root.querySelectorAll("[data-live-call]")) {
    if (element.dataset.liveStarted) continue;
    element.dataset.liveStarted = "true";
    controllers.push(startLiveCall(element));
  }
  return controllers;
}
