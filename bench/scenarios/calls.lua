-- POST /api/v1/calls/next: each wrk thread is one agent (its token from BENCH_AGENT_TOKENS, its
-- user id from BENCH_AGENT_IDS, picked by thread number), so agents never end each other's
-- claims; taking an order ends the agent's previous claim, as it does for a real agent. The
-- X-Bench-Agent header names the agent to the floor, which has no auth; Commercy ignores it.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local tokens, ids = {}, split_numbers(env("BENCH_AGENT_IDS", "0"))
for token in string.gmatch(env("BENCH_AGENT_TOKENS", ""), "[^,]+") do tokens[#tokens + 1] = token end

function init(args)
  init_common()
  local index = 1 + ((thread_id or 1) - 1) % #ids
  if #tokens > 0 then HEADERS["Authorization"] = "Bearer " .. tokens[index] end
  HEADERS["X-Bench-Agent"] = tostring(ids[index])
end

function request()
  return wrk.format("POST", nil, HEADERS, nil)
end
