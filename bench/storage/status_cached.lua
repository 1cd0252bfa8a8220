-- status_cached.lua -- wrk: GET /status/<id> of one completed (cached) question; id from QID env.
local qid = os.getenv("QID") or "q_0000000000000000"
wrk.method = "GET"
wrk.path = "/status/" .. qid

local bad = 0
response = function(status, headers, body)
  if status ~= 200 or not body:find('"source":"cache"', 1, true) then bad = bad + 1 end
end

done = function(summary, latency, requests)
  io.write(string.format("non-200-or-not-cached: %d\n", bad))
  io.write(string.format("p50_ms %.3f p90_ms %.3f p99_ms %.3f p999_ms %.3f\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency:percentile(99.9) / 1000))
end
