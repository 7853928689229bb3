-- POST /ledger postings (shared-ledger contract), one unique nonce per request.
--   BENCH_OWNER_PREFIX  owner ids are PREFIX0 .. PREFIX(N-1)        (p-)
--   BENCH_OWNERS        N, owners picked uniformly at random         (10000)
--   BENCH_OPERATION     catalog operation                            (CREDIT_ADD)
--   BENCH_AMOUNT        the body's amount field                       (10)
-- The racing-debits scenario is this script with one owner, CREDIT_SPEND and
-- BENCH_REFUSALS_INTENDED=1.
-- Load the shared machinery from the directory this script lives in (or BENCH_LUA_DIR).
local here = os.getenv("BENCH_LUA_DIR") or string.match(debug.getinfo(1, "S").source, "^@(.*)/[^/]*$") or "."
dofile(here .. "/common.lua")

local prefix, owners, head, tail
local headers = { ["Content-Type"] = "application/json", ["X-Api-Key"] = cfg.api_key }

function scenario_init(args)
  prefix = json_safe(env_str("BENCH_OWNER_PREFIX", "p-"))
  owners = env_int("BENCH_OWNERS", 10000)
  local op = json_safe(env_str("BENCH_OPERATION", "CREDIT_ADD"))
  local amount = env_int("BENCH_AMOUNT", 10)
  head = '{"owner_id":"' .. prefix
  tail = '","operation":"' .. op .. '","amount":' .. amount .. ',"nonce":"'
end

function request()
  local owner = (owners > 1) and math.random(0, owners - 1) or 0
  local body = head .. owner .. tail .. next_nonce() .. '"}'
  return count(wrk.format("POST", "/ledger", headers, body))
end
