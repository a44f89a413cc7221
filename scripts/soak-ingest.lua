-- wrk script for scripts/soak.sh: the same realistic Vapi events as scripts/bench-ingest.lua (calls of 20 events:
-- 1 status update, 16 transcripts, 2 speech updates, 1 end-of-call report), with two differences the soak needs:
--   - a tag (third argument) goes into every call id, so two runs against the same organisation never send the
--     same body (a repeated body is a replay and is stored once, which would look like a loss);
--   - the answers are counted by status, so "acknowledged" is exactly the number of 2xx answers, and a fault
--     phase shows which statuses the clients got (5xx during a database outage, never a hang).
-- Usage: wrk -t1 -c16 -d60s -s scripts/soak-ingest.lua <webhook url> -- <dialled number> <tag>
-- Prints one line: `soak-wrk: requests N ok K (2xx) statuses 200=..,503=.. errors connect C read R write W timeout T
--   events/s X p50 Y ms p99 Z ms`.
local counter = 0
local thread_id = 0
local threads = {}
statuses = {}

function setup(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
  table.insert(threads, thread)
end

function init(args)
  number = args[1] or "+14155550100"
  tag = args[2] or tostring(os.time())
end

local function envelope(call, kind, fields, ts)
  return '{"message":{"type":"' .. kind .. '","timestamp":' .. ts ..
    ',"call":{"id":"' .. call .. '","customer":{"number":"+33612345678"}},"phoneNumber":{"number":"' .. number .. '"}' ..
    fields .. '}}'
end

function request()
  counter = counter + 1
  local call = "soak-" .. tag .. "-" .. id .. "-" .. math.floor(counter / 20)
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

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses") or {}
    for status, n in pairs(counts) do total[status] = (total[status] or 0) + n end
  end
  local keys = {}
  for status in pairs(total) do table.insert(keys, status) end
  table.sort(keys)
  local ok, parts = 0, {}
  for _, status in ipairs(keys) do
    if status >= 200 and status < 300 then ok = ok + total[status] end
    table.insert(parts, status .. "=" .. total[status])
  end
  local e = summary.errors
  io.write(string.format("soak-wrk: requests %d ok %d statuses %s errors connect %d read %d write %d timeout %d " ..
    "events/s %.0f p50 %.2f ms p99 %.2f ms\n",
    summary.requests, ok, (#parts > 0) and table.concat(parts, ",") or "none", e.connect, e.read, e.write, e.timeout,
    ok / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
