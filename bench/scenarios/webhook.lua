-- POST /api/v1/webhooks/digishare/{integrationId}: the seed's ticket.updated for a random
-- ticket of the seeded orders, a new event each time (no duplicates), Bearer credential.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local integration = env("BENCH_INTEGRATION_ID", "1")
local first = tonumber(env("BENCH_ORDER_MIN", "1"))
local last = tonumber(env("BENCH_ORDER_MAX", "1"))
local status_ids = { "u5hj8cd3pq6ya0lw", "r4tn7vy2gk9me1sx" }
local headers = { ["Content-Type"] = "application/json",
                  ["Authorization"] = "Bearer " .. env("BENCH_WEBHOOK_TOKEN", "") }
local body_format = '{"event":"ticket.updated","data":{"id":"%s","data":{"id":"%s",' ..
  '"external_id":"ORD-%d","subject":"Confirmation de Commande","ticket_number":"%s",' ..
  '"type_ticket_id":"npvrxamq9l94y8dz","third_id":"hashed_third_id0",' ..
  '"ticket_status_id":"%s","information":{"third":{"wa_id":"21620123456"},' ..
  '"campaign_data":{}}},"wasRecentlyCreated":false,"changes":{"ticket_status_id":"%s",' ..
  '"date_status":"%s","updated_at":"%s"}}}'

function init(args) init_common() end

function request()
  local order = math.random(first, last)
  local ticket = string.format("bt%014d", order)
  local status = status_ids[math.random(#status_ids)]
  local at = os.date("!%Y-%m-%d %H:%M:%S")
  local body = string.format(body_format, ticket, ticket, order, unique(), status, status, at, at)
  return wrk.format("POST", "/api/v1/webhooks/digishare/" .. integration, headers, body)
end
