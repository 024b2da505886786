-- PATCH /api/v1/orders/{id}/status: a random seeded order to a random confirmation status
-- (these move freely among themselves and hold no stock, so every request is a real change or
-- a no-op, never a refusal).
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local first = tonumber(env("BENCH_ORDER_MIN", "1"))
local last = tonumber(env("BENCH_ORDER_MAX", "1"))
local statuses = { "pending", "not_reached", "phone_closed", "rapported", "more_information" }
function init(args) init_common() end
function request()
  local path = "/api/v1/orders/" .. math.random(first, last) .. "/status"
  local body = string.format('{"status":"%s","note":"bench"}', statuses[math.random(#statuses)])
  return wrk.format("PATCH", path, HEADERS, body)
end
