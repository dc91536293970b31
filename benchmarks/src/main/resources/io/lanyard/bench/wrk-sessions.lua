-- wrk script shared by every configuration: GET <path>, cycling through the session cookies in a
-- file (one "Cookie" header value per line); no file = no cookie (a new session per request).
-- Prints one machine-readable RESULT line at the end.
local cookies = {}
local idx = 0
local path = "/"

function init(args)
  path = args[1]
  local file = args[2]
  if file ~= nil and file ~= "" then
    for line in io.lines(file) do
      if #line > 0 then cookies[#cookies + 1] = line end
    end
  end
  idx = 0
end

function request()
  if #cookies == 0 then
    return wrk.format("GET", path)
  end
  idx = idx % #cookies + 1
  return wrk.format("GET", path, { ["Cookie"] = cookies[idx] })
end

function done(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d %d %d %d %d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout))
end
