-- Trivial ceiling: GET /bench/ping (or BENCH_PATH), no store work. Same Lua request()/response() path as the
-- ledger scenarios, so the client-side cost wrk takes from the shared cores is comparable.
-- Load the shared machinery from the directory this script lives in (or BENCH_LUA_DIR).
local here = os.getenv("BENCH_LUA_DIR") or string.match(debug.getinfo(1, "S").source, "^@(.*)/[^/]*$") or "."
dofile(here .. "/common.lua")

local req

function scenario_init(args)
  req = wrk.format("GET", env_str("BENCH_PATH", "/bench/ping"), { ["X-Api-Key"] = cfg.api_key }, nil)
end

function request()
  return count(req)
end
