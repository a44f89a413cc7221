-- wrk script for AVA's webhook ingest (scripts/bench-calls.sh): calls of 20 events each, as Vapi sends them:
-- 1 status update, 16 transcripts (partial and final), 2 speech updates, 1 end-of-call report (80/15/5).
-- Every body is unique (its call id and timestamp), so none is taken for a replay. wrk counts non-2xx answers as errors.
local counter = 0
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
end

function init(args)
  number = args[1] or "+14155550100"
end

local function envelope(call, kind, fields, ts)
  return '{"message":{"type":"' .. kind .. '","timestamp":' .. ts ..
    ',"call":{"id":"' .. call .. '","customer":{"number":"+33612345678"}},"phoneNumber":{"number":"' .. number .. '"}' ..
    fields .. '}}'
end

function request()
  counter = counter + 1
  local call = "wrk-" .. id .. "-" .. math.floor(counter / 20)
  local position = counter % 20
  local ts = tostring(1764000000000 + counter)
  local body
  if position == 0 then
    body = envelope(call, "status-update", ',"status":"in-progress"', ts)
  elseif position <= 16 then
    local role = (position % 2 == 0) and "user" or "assistant"
    local kind = (position % 4 == 0) and "final" or "partial"
    body = envelope(call, "transcript", ',"role":"' .. role .. '","transcriptType":"' .. kind ..
      '","transcript":"Phrase numero ' .. position .. ' de l appel ' .. call .. '"', ts)
  elseif position <= 18 then
    body = envelope(call, "speech-update", ',"role":"user","status":"started","turn":0', ts)
  else
    body = envelope(call, "end-of-call-report", ',"endedReason":"customer-ended-call","cost":0,' ..
      '"artifact":{"transcript":"AI: Bonjour\\nUser: Au revoir","messages":[]},"analysis":{"summary":"Appel de test."},' ..
      '"startedAt":"2026-11-26T10:00:00.000Z","endedAt":"2026-11-26T10:01:00.000Z"', ts)
  end
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end

function done(summary, latency, requests)
  io.write(string.format("wrk: %d requests in %.2f s = %.0f events/s, p50 %.2f ms, p99 %.2f ms, errors %d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
end
