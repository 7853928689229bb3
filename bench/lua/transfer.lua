-- POST /transfers (two-phase), one unique Idempotency-Key per request.
--   BENCH_FROM_PREFIX / BENCH_FROM_COUNT  sources PREFIX0 .. PREFIX(N-1), uniform   (t- / 10000)
--   BENCH_TO_PREFIX   / BENCH_TO_COUNT    destinations, uniform                     (t- / 10000)
--   BENCH_AMOUNT                          credits moved per transfer                (1)
--   BENCH_REASON                          structured reason                         (content_unlock)
-- When sources and destinations are the same set, the destination is drawn from the others.
-- Load the shared machinery from the directory this script lives in (or BENCH_LUA_DIR).
local here = os.getenv("BENCH_LUA_DIR") or string.match(debug.getinfo(1, "S").source, "^@(.*)/[^/]*$") or "."
dofile(here .. "/common.lua")

local from_prefix, from_count, to_prefix, to_count, same_set, body_tail
local headers = { ["Content-Type"] = "application/json", ["X-Api-Key"] = cfg.api_key }

function scenario_init(args)
  from_prefix = json_safe(env_str("BENCH_FROM_PREFIX", "t-"))
  from_count = env_int("BENCH_FROM_COUNT", 10000)
  to_prefix = json_safe(env_str("BENCH_TO_PREFIX", "t-"))
  to_count = env_int("BENCH_TO_COUNT", 10000)
  same_set = (from_prefix == to_prefix)
  if same_set and from_count < 2 then error("need two accounts to transfer between") end
  body_tail = '","amount":' .. env_int("BENCH_AMOUNT", 1)
    .. ',"reason":"' .. json_safe(env_str("BENCH_REASON", "content_unlock")) .. '"}'
end

function request()
  local f = math.random(0, from_count - 1)
  local t
  if same_set then
    t = math.random(0, from_count - 2)
    if t >= f then t = t + 1 end
  else
    t = math.random(0, to_count - 1)
  end
  headers["Idempotency-Key"] = next_nonce()
  local body = '{"from":"' .. from_prefix .. f .. '","to":"' .. to_prefix .. t .. body_tail
  return count(wrk.format("POST", "/transfers", headers, body))
end
