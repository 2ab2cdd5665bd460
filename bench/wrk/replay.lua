-- wrk script of the comparison harness: replays pre-signed S3 requests.
--
-- wrk's Lua has no HMAC or SHA-256, so `benchtool prepare` builds the
-- requests with aws-sdk-go-v2 (signed by its SigV4 signer moments before
-- the run; X-Amz-Date stays within the servers' 15-minute window) and
-- writes them, as the exact bytes net/http would send, to the file named by
-- BENCH_REQUESTS: for each request, its length in decimal, "\n", then the
-- request. Each connection cycles through them.
--
-- done() prints one line, "BENCHRESULT key=value ...", that compare.sh
-- appends to the results file. wrk counts responses with status >= 400 as
-- errors.status. With BENCH_STRICT=1 a response() hook also counts every
-- non-2xx status (3xx too); it makes wrk keep each response for Lua, which
-- costs client CPU, so it is off by default.

local path = os.getenv("BENCH_REQUESTS")
if not path or path == "" then
  error("BENCH_REQUESTS is not set")
end

local f = assert(io.open(path, "rb"))
local data = f:read("*a")
f:close()

local reqs = {}
local pos = 1
while pos <= #data do
  local nl = data:find("\n", pos, true)
  if not nl then error("malformed request file " .. path) end
  local n = tonumber(data:sub(pos, nl - 1))
  if not n then error("malformed request length in " .. path) end
  reqs[#reqs + 1] = data:sub(nl + 1, nl + n)
  pos = nl + n + 1
end
data = nil
if #reqs == 0 then error("no request in " .. path) end

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local i = 0
non2xx = 0 -- global: done() reads it with thread:get

function init(args)
  -- Threads start at different places in the cycle.
  i = ((id or 0) * 37) % #reqs
end

function request()
  i = i + 1
  if i > #reqs then i = 1 end
  return reqs[i]
end

if os.getenv("BENCH_STRICT") == "1" then
  function response(status, headers, body)
    if status < 200 or status > 299 then
      non2xx = non2xx + 1
    end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local fields = {
    "requests=" .. summary.requests,
    "duration_us=" .. summary.duration,
    "bytes=" .. summary.bytes,
    "p50_us=" .. latency:percentile(50),
    "p99_us=" .. latency:percentile(99),
    "mean_us=" .. string.format("%.0f", latency.mean),
    "max_us=" .. latency.max,
    "err_connect=" .. e.connect,
    "err_read=" .. e.read,
    "err_write=" .. e.write,
    "err_timeout=" .. e.timeout,
    "err_status=" .. e.status,
  }
  if os.getenv("BENCH_STRICT") == "1" then
    local n = 0
    for _, t in ipairs(threads) do
      n = n + (t:get("non2xx") or 0)
    end
    fields[#fields + 1] = "non2xx=" .. n
  end
  io.write("BENCHRESULT " .. table.concat(fields, " ") .. "\n")
end
