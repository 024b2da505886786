-- Shared by every scenario: settings from the environment, a steady pace when BENCH_RATE is
-- set (an open schedule per wrk thread, so a slow answer does not lower the offered rate),
-- unique values per request, and one machine-readable result line.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_usec; } bench_timeval;
  int gettimeofday(bench_timeval *tv, void *tz);
]]
local tv = ffi.new("bench_timeval")

function now_ms()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) * 1000 + tonumber(tv.tv_usec) / 1000
end

function env(name, default)
  local value = os.getenv(name)
  if value == nil or value == "" then return default end
  return value
end

function split_numbers(text)
  local out = {}
  for part in string.gmatch(text, "[^,]+") do out[#out + 1] = tonumber(part) end
  return out
end

TOKEN = env("BENCH_TOKEN", "")
HEADERS = { ["Content-Type"] = "application/json" }
if TOKEN ~= "" then HEADERS["Authorization"] = "Bearer " .. TOKEN end

local thread_counter = 0
function setup(thread)
  thread_counter = thread_counter + 1
  thread:set("thread_id", thread_counter)
end

local serial = 0
-- A value no other request of this run (or of an earlier run) has used.
function unique()
  serial = serial + 1
  return string.format("%d-%d-%d-%d", RUN_ID, thread_id or 0, serial, math.random(1, 1e9))
end

function init_common()
  RUN_ID = math.floor(now_ms())
  math.randomseed(RUN_ID + 7919 * (thread_id or 0))
end

local rate = tonumber(env("BENCH_RATE", "0"))
local threads = tonumber(env("BENCH_THREADS", "1"))
if rate > 0 then
  local interval = 1000 * threads / rate
  local slot = nil
  -- Each request takes the next slot of this thread's schedule and waits for it; after a stall
  -- of over a second the schedule restarts instead of bursting to catch up. The threads'
  -- schedules are staggered, so several threads do not all send at the same instant.
  function delay()
    local now = now_ms()
    if slot == nil then slot = now + ((thread_id or 1) - 1) * interval / threads end
    if slot < now - 1000 then slot = now end
    local wait = slot - now
    slot = slot + interval
    if wait < 0 then return 0 end
    return math.floor(wait)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "errors_connect": %d, "errors_read": %d, ' ..
    '"errors_write": %d, "errors_status": %d, "errors_timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
