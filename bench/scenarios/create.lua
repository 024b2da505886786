-- POST /api/v1/orders: a new customer phone per order, two items; with BENCH_IDEMPOTENCY=1 a
-- fresh Idempotency-Key per request (a client's first attempt, the common case).
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local products = split_numbers(env("BENCH_PRODUCTS", "1,2"))
local idempotent = env("BENCH_IDEMPOTENCY", "0") == "1"
local body_format = '{"customerName":"Amira Ben Salah","customerPhone":"+2162%07d",' ..
  '"customerAddress":"12 rue de Marseille","customerCity":"Tunis",' ..
  '"customerGovernorate":"Tunis","source":"facebook_page","products":[' ..
  '{"productId":%d,"quantity":1,"price":120.5,"notes":"Rouge"},' ..
  '{"productId":%d,"quantity":2,"price":45.25,"notes":"Petit"}]}'

function init(args) init_common() end

function request()
  local body = string.format(body_format, math.random(0, 9999999), products[1], products[2])
  if idempotent then HEADERS["Idempotency-Key"] = "bench-" .. unique() end
  return wrk.format("POST", nil, HEADERS, body)
end
