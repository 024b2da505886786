-- GET /api/v1/orders/{id}: a random order among the seeded ones.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local first = tonumber(env("BENCH_ORDER_MIN", "1"))
local last = tonumber(env("BENCH_ORDER_MAX", "1"))
function init(args) init_common() end
function request()
  return wrk.format("GET", "/api/v1/orders/" .. math.random(first, last), HEADERS)
end
