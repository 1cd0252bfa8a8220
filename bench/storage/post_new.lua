-- post_new.lua -- wrk: POST /query, every request a question never asked before (run prefix from RUN env).
local run = os.getenv("RUN") or tostring(os.time())
local counter = 0
local threads = {}

setup = function(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

request = function()
  counter = counter + 1
  local body = string.format(
    '{"question_text":"bench %s thread %d question %d: how does an outbox relay work?",' ..
    '"original_answer":"It stores the message with the row and produces it after the commit."}',
    run, tid, counter)
  return wrk.format(nil, nil, nil, body)
end

local not202 = 0
response = function(status, headers, body)
  if status ~= 202 then not202 = not202 + 1 end
end

done = function(summary, latency, requests)
  io.write(string.format("p50_ms %.3f p90_ms %.3f p99_ms %.3f p999_ms %.3f\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency:percentile(99.9) / 1000))
end
