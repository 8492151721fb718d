-- wrk script: POST one JSON body the way kube-scheduler's extender client does.
--
--   BODY_FILE=body.json wrk -t1 -c1 -d3s -s bench/wrk-post.lua http://127.0.0.1:31899/filter
--
-- Headers match kube-scheduler v1.24: Content-Type: application/json and
-- Accept-Encoding: gzip (Go's transport adds it); wrk adds Content-Length.
-- Any status other than 200 counts as an error, as do wrk's socket errors
-- (connect, read, write, timeout).  With EXPECT_FILE set, so does every
-- answer whose body is not exactly that file (the soak's correctness
-- check).  DELAY_MS paces each connection: it waits that long between an
-- answer and its next request (the soak's fixed offered load); wrk's
-- latencies do not include the wait.  done() prints one line:
--
--   RESULT rps=1234.56 p50_us=512 p99_us=1400 mean_us=600.1 max_us=2100
--          requests=3704 bytes_in=... non200=0 wrong=0 socket_errors=0 errors=0
--
-- Latencies are wrk's (microseconds, from the first byte written to the end
-- of the response).  The body is read once per Lua state (main + one per
-- thread); all connections of a thread share the same request buffer.

local path = os.getenv("BODY_FILE")
if path == nil or path == "" then
   io.stderr:write("wrk-post.lua: set BODY_FILE to the request body file\n")
   os.exit(2)
end
local f, err = io.open(path, "rb")
if f == nil then
   io.stderr:write("wrk-post.lua: cannot open BODY_FILE: " .. tostring(err) .. "\n")
   os.exit(2)
end
local body = f:read("*a")
f:close()

local expect = nil
local epath = os.getenv("EXPECT_FILE")
if epath ~= nil and epath ~= "" then
   local ef, eerr = io.open(epath, "rb")
   if ef == nil then
      io.stderr:write("wrk-post.lua: cannot open EXPECT_FILE: " .. tostring(eerr) .. "\n")
      os.exit(2)
   end
   expect = ef:read("*a")
   ef:close()
end

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept-Encoding"] = "gzip"
wrk.headers["User-Agent"] = "kube-scheduler/v1.24.3 (linux/amd64) kubernetes/ad3338546da"

local delay_ms = tonumber(os.getenv("DELAY_MS") or "0") or 0
if delay_ms > 0 then
   function delay()
      return delay_ms
   end
end

-- Main state: keep the threads so done() can collect their counters.
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

-- Thread states: counters live in globals so thread:get() can read them.
function init(args)
   non200 = 0
   first_bad = 0
   wrong = 0
end

function response(status, headers, resp_body)
   if status ~= 200 then
      non200 = non200 + 1
      if first_bad == 0 then first_bad = status end
   elseif expect ~= nil and resp_body ~= expect then
      wrong = wrong + 1
   end
end

function done(summary, latency, requests)
   local bad, first, wrong_all = 0, 0, 0
   for _, t in ipairs(threads) do
      bad = bad + (t:get("non200") or 0)
      wrong_all = wrong_all + (t:get("wrong") or 0)
      local fb = t:get("first_bad") or 0
      if first == 0 and fb ~= 0 then first = fb end
   end
   local e = summary.errors
   local sock = e.connect + e.read + e.write + e.timeout
   local secs = summary.duration / 1e6
   local rps = 0
   if secs > 0 then rps = summary.requests / secs end
   local p50, p99, mean, max = 0, 0, 0, 0
   if summary.requests > 0 then
      p50 = latency:percentile(50)
      p99 = latency:percentile(99)
      mean = latency.mean
      max = latency.max
   end
   io.write(string.format(
      "RESULT rps=%.2f p50_us=%d p99_us=%d mean_us=%.1f max_us=%d " ..
      "requests=%d bytes_in=%d non200=%d first_non200=%d wrong=%d " ..
      "socket_errors=%d errors=%d\n",
      rps, p50, p99, mean, max, summary.requests, summary.bytes,
      bad, first, wrong_all, sock, bad + wrong_all + sock))
end
