-- wrk script of bench/edge/compare.sh: wrk's default request (GET of the
-- URL, with the -H headers), and one summary line from done():
-- "BENCHRESULT key=value ..." that compare.sh appends to its results file.
-- wrk counts responses with status >= 400 as errors.status; bytes/requests
-- tells whether whole bodies came back.

function done(summary, latency, requests)
  local e = summary.errors
  io.write("BENCHRESULT " .. table.concat({
    "requests=" .. summary.requests,
    "duration_us=" .. summary.duration,
    "bytes=" .. summary.bytes,
    "p50_us=" .. latency:percentile(50),
    "p90_us=" .. latency:percentile(90),
    "p99_us=" .. latency:percentile(99),
    "mean_us=" .. string.format("%.0f", latency.mean),
    "max_us=" .. latency.max,
    "err_connect=" .. e.connect,
    "err_read=" .. e.read,
    "err_write=" .. e.write,
    "err_timeout=" .. e.timeout,
    "err_status=" .. e.status,
  }, " ") .. "\n")
end
