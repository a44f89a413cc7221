-- wrk script for AVA's assistant-request latency (scripts/bench-calls.sh): every connection is a line on which a new
-- call rings every 0.1-0.5 s. Run with -c50 for 50 lines. Each call id is new, so each request starts a call.
local counter = 0
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
end

function init(args)
  number = args[1] or "+14155550100"
  stamp = args[2] or "0"
  math.randomseed(id * 104729)
end

function delay()
  return math.random(100, 500)
end

function request()
  counter = counter + 1
  local call = "wrk-ar-" .. stamp .. "-" .. id .. "-" .. counter
  local body = '{"message":{"type":"assistant-request","timestamp":' .. (1764000000000 + counter) ..
    ',"call":{"id":"' .. call .. '","customer":{"number":"+33612345678"}},"phoneNumber":{"number":"' .. number .. '"}}}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  if status == 200 and string.find(body, '"error"', 1, true) then
    io.write("assistant-request answered with an error: " .. body .. "\n")
  end
end

function done(summary, latency, requests)
  io.write(string.format("wrk assistant-request: %d requests in %.2f s = %.0f/s, p50 %.2f ms, p99 %.2f ms, errors %d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
end
