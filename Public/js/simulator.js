// The call simulator page (/{locale}/simulator). Without JavaScript its forms post and the server shows the
// conversation again; with it, sentences go to the JSON API (POST /api/v1/simulator/calls/{id}/say) and the
// lines arrive through the live transcript (Server-Sent Events, live-calls.js), so the page shows exactly
// what an owner watching a real call sees. Voice is offered only where the browser has speech recognition
// (a "Speak" button) and speech synthesis (a "read replies aloud" switch); typing always works.
import { startLiveCall } from "./live-calls.js";

// Another page can show a simulated call too (the onboarding's test call): it includes
// Resources/Views/app/simulator-call.leaf, which loads this module; every [data-simulator] element starts once.
export function initSimulator(section) {
  if (section.dataset.simulatorStarted) return;
  section.dataset.simulatorStarted = "true";
  const callId = section.dataset.simulator;
  const form = section.querySelector("[data-simulator-say]");
  const ended = section.dataset.ended === "true";
  const list = section.querySelector("[data-live-lines]");
  const status = section.querySelector("[data-live-status]");
  const scroller = section.querySelector("[data-live-scroll]");
  const lang = section.dataset.speechLang || document.documentElement.lang;
  let liveState = "connecting";
  const scrollDown = () => { if (scroller) scroller.scrollTop = scroller.scrollHeight; };
  scrollDown();
  if (ended || !form) return;

  const csrf = form.querySelector("input[name=_csrf]")?.value || "";
  const input = form.querySelector("input[name=text]");
  const send = form.querySelector("button[type=submit]");
  const aloudWrap = section.querySelector("[data-simulator-aloud-wrap]");
  const aloud = section.querySelector("[data-simulator-aloud]");
  const mic = section.querySelector("[data-simulator-mic]");

  // Lines come live; if the live stream is down, the answer to each POST fills the list instead. Those lines
  // come back when the stream reconnects (it replays what it missed): they are not shown twice.
  const shownWithoutStream = [];
  section.dataset.liveStarted = "true";
  const live = startLiveCall(section, {
    skipLine(data) {
      const index = shownWithoutStream.findIndex((line) => line.role === data.role && line.text === (data.text || "").trim());
      if (index < 0) return false;
      shownWithoutStream.splice(0, index + 1);
      return true;
    },
    onEvent(kind, data) {
      liveState = section.dataset.liveState || liveState;
      if (kind === "transcript" && data.final && data.role === "assistant") speak(data.text);
      if (kind === "ended") finish();
      scrollDown();
    },
  });

  function addLine(role, text) {
    if (!list || !text) return;
    const line = document.createElement("li");
    line.className = `live-line live-line--${role}`;
    line.dataset.role = role;
    line.dataset.final = "true";
    const who = document.createElement("span");
    who.className = "live-line__who";
    who.textContent = role === "assistant" ? section.dataset.labelAssistant || "AVA" : section.dataset.labelUser || "";
    const said = document.createElement("span");
    said.className = "live-line__text";
    said.dir = "auto";
    said.textContent = text;
    line.append(who, " ", said);
    list.append(line);
    scrollDown();
  }

  function speak(text) {
    if (!aloud || !aloud.checked || !("speechSynthesis" in window) || !text) return;
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = lang;
    window.speechSynthesis.cancel();
    window.speechSynthesis.speak(utterance);
  }

  function finish() {
    // The server shows the summary and outcome of an ended call (on this same page, simulator or onboarding).
    window.setTimeout(() => { window.location.href = `${window.location.pathname}?call=${encodeURIComponent(callId)}`; }, 600);
  }

  function setBusy(busy) {
    section.dataset.busy = busy ? "true" : "false";
    if (send) send.disabled = busy;
    if (busy && status) status.textContent = section.dataset.textThinking || "";
    else if (!busy && status && section.dataset.liveState === "live") status.textContent = section.dataset.textLive || "";
  }

  form.addEventListener("submit", async (event) => {
    const text = input.value.trim();
    if (!text) return; // let the server say what is missing
    event.preventDefault();
    setBusy(true);
    const viaLive = section.dataset.liveState === "live";
    try {
      const response = await fetch(`/api/v1/simulator/calls/${encodeURIComponent(callId)}/say`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ text }),
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) {
        if (status) status.textContent = body?.error?.message || section.dataset.textError || "";
        if (response.status === 409 && body?.error?.code === "simulator_call_ended") finish();
        return;
      }
      input.value = "";
      if (!viaLive) {
        addLine("user", text);
        addLine("assistant", body.reply);
        shownWithoutStream.push({ role: "user", text: text.trim() }, { role: "assistant", text: (body.reply || "").trim() });
        speak(body.reply);
      }
      if (body.ended) {
        live.close();
        finish();
      }
    } catch {
      if (status) status.textContent = section.dataset.textError || "";
    } finally {
      setBusy(false);
      input.focus();
    }
  });

  if (aloudWrap && "speechSynthesis" in window) aloudWrap.hidden = false;

  const Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
  if (mic && Recognition) {
    mic.hidden = false;
    let recognition = null;
    mic.addEventListener("click", () => {
      if (recognition) {
        recognition.stop();
        return;
      }
      recognition = new Recognition();
      recognition.lang = lang;
      recognition.interimResults = true;
      recognition.maxAlternatives = 1;
      mic.setAttribute("aria-pressed", "true");
      if (status) status.textContent = section.dataset.textListening || "";
      if (aloud && !aloud.checked && aloudWrap && !aloudWrap.hidden) aloud.checked = true; // a spoken call is heard too
      recognition.addEventListener("result", (event) => {
        const result = event.results[event.results.length - 1];
        input.value = Array.from(event.results).map((item) => item[0].transcript).join(" ");
        if (result.isFinal) form.requestSubmit();
      });
      recognition.addEventListener("end", () => {
        mic.setAttribute("aria-pressed", "false");
        recognition = null;
      });
      recognition.addEventListener("error", () => {
        mic.setAttribute("aria-pressed", "false");
        if (status) status.textContent = section.dataset.textError || "";
      });
      recognition.start();
    });
  }
}

for (const section of document.querySelectorAll("[data-simulator]")) initSimulator(section);
