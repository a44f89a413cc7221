-- wrk script for AVA's tool-calls latency (scripts/bench-calls.sh): every connection is one call in progress whose
-- caller asks for free slots (checkAvailability) every 0.2-1 s, as a conversation does. Run with -c200 for 200
-- calls at once. Each body is unique (its tool call id), so none is taken for a replay.
local counter = 0
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
end

function init(args)
  number = args[1] or "+14155550100"
  math.randomseed(id * 7919)
end

function delay()
  return math.random(200, 1000)
end

function request()
  counter = counter + 1
  local call = "wrk-tools-" .. id .. "-" .. (counter % 200)
  local tool = "t-" .. id .. "-" .. counter
  local args = '{"service":"Consultation"}'
  local body = '{"message":{"type":"tool-calls","timestamp":' .. (1764000000000 + counter) ..
    ',"call":{"id":"' .. call .. '","customer":{"number":"+33612345678"}},"phoneNumber":{"number":"' .. number .. '"}' ..
    ',"toolCallList":[{"id":"' .. tool .. '","type":"function","function":{"name":"checkAvailability","arguments":' .. args .. '}}]}}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  if status == 200 and not string.find(body, '"result"', 1, true) then
    io.write("tool-calls answered without a result: " .. body .. "\n")
  end
end

function done(summary, latency, requests)
  io.write(string.format("wrk tool-calls: %d requests in %.2f s = %.0f/s, p50 %.2f ms, p99 %.2f ms, errors %d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
end
