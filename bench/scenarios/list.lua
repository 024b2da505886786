-- GET of the URL given to wrk (a list page with its filters), with the token.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
function init(args) init_common() end
function request() return wrk.format("GET", nil, HEADERS) end
