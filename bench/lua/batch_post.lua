-- POST /transactions/batch: BENCH_BATCH_ITEMS catalog operations per request, each with its own nonce.
--   BENCH_ACCOUNT_PREFIX  account ids are PREFIX0 .. PREFIX(N-1), opened before the run   (b-)
--   BENCH_ACCOUNTS        N, each item's account picked uniformly at random               (10000)
--   BENCH_BATCH_ITEMS     items per request                                             (100)
--   BENCH_OPERATION       catalog operation                                             (CREDIT_ADD)
--   BENCH_AMOUNT          each item's amount field                                      (10)
-- The tallies count postings, not requests: sent = items sent, ok = items answered 201 (the
-- answer's "posted"), bad = items refused plus every item of a batch not answered 200. bench/run
-- reports ok per second as the scenario's postings per second; wrk's latency is per batch.
local here = os.getenv("BENCH_LUA_DIR") or string.match(debug.getinfo(1, "S").source, "^@(.*)/[^/]*$") or "."
dofile(here .. "/common.lua")

local prefix, accounts, items, head, tail
local headers = { ["Content-Type"] = "application/json", ["X-Api-Key"] = cfg.api_key }

function scenario_init(args)
  prefix = json_safe(env_str("BENCH_ACCOUNT_PREFIX", "b-"))
  accounts = env_int("BENCH_ACCOUNTS", 10000)
  items = env_int("BENCH_BATCH_ITEMS", 100)
  local op = json_safe(env_str("BENCH_OPERATION", "CREDIT_ADD"))
  local amount = env_int("BENCH_AMOUNT", 10)
  head = '{"kind":"operation","account_id":"' .. prefix
  tail = '","operation":"' .. op .. '","amount":' .. amount .. ',"nonce":"'
end

function request()
  local parts = {}
  for i = 1, items do
    local account = (accounts > 1) and math.random(0, accounts - 1) or 0
    parts[i] = head .. account .. tail .. next_nonce() .. '"}'
  end
  sent = sent + items
  return wrk.format("POST", "/transactions/batch", headers, '{"items":[' .. table.concat(parts, ",") .. ']}')
end

function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
  local posted = (status == 200 and body ~= nil) and tonumber(string.match(body, '"posted":(%d+)')) or nil
  if posted ~= nil then
    ok = ok + posted
    local refused_items = items - posted
    if refused_items > 0 then
      bad = bad + refused_items
      if first_bad == "" then first_bad = "200 with " .. refused_items .. " items refused: " .. string.gsub(string.sub(body, 1, 300), "%s+", " ") end
    end
  else
    bad = bad + items
    if first_bad == "" then
      first_bad = tostring(status) .. " " .. string.gsub(string.sub(body or "", 1, 300), "%s+", " ")
    end
  end
end
