-- wrk script of the benchmarks: POSTs requests read from a file, one chosen at random each time.
-- The file (after `--` on wrk's command line) has one request a line:
--   <path> TAB <Authorization header value, or nothing> TAB <JSON body>
-- An answer fails when its status is not 200 or it carries a non-empty `errors` list (GraphQL
-- errors, or a payload's user errors). At the end it prints "bench-result {json}" and, when an
-- answer failed, "bench-failure <the first one>", for bench/load.py.

local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

local requests = {}
failed = 0
first_failure = ""

function init(args)
  for line in io.lines(args[1]) do
    local path, authorization, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
    local headers = { ["Content-Type"] = "application/json" }
    if authorization ~= "" then
      headers["Authorization"] = authorization
    end
    requests[#requests + 1] = wrk.format("POST", path, headers, body)
  end
end

function request()
  return requests[math.random(#requests)]
end

function response(status, _, body)
  if status ~= 200 or body:find('"errors":[{', 1, true) then
    failed = failed + 1
    if first_failure == "" then
      first_failure = status .. " " .. body:sub(1, 400)
    end
  end
end

function done(summary, latency, _)
  local errors = summary.errors
  local answers_failed = 0
  local failure = ""
  for _, thread in ipairs(threads) do
    answers_failed = answers_failed + thread:get("failed")
    if failure == "" then
      failure = thread:get("first_failure")
    end
  end
  io.write(string.format(
    'bench-result {"requests":%d,"duration_us":%d,"socket_errors":%d,"failed":%d,'
      .. '"p50_us":%d,"p99_us":%d}\n',
    summary.requests,
    summary.duration,
    errors.connect + errors.read + errors.write + errors.timeout,
    answers_failed,
    latency:percentile(50),
    latency:percentile(99)
  ))
  if failure ~= "" then
    io.write("bench-failure " .. failure:gsub("\n", " ") .. "\n")
  end
end
