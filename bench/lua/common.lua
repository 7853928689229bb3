-- Shared machinery for the ledger wrk scenarios (loaded with dofile by each scenario script).
--
-- Every wrk thread runs its own Lua state; setup() and done() run in a separate main state.
-- So per-thread tallies live in thread globals and done() collects them through thread:get().
-- done() prints one machine-readable line (BENCH_RESULT ...) that bench/run parses; wrk's own
-- --latency report stays in the log for people.
--
-- Environment (all optional):
--   BENCH_API_KEY            X-Api-Key header (dev-app1-key)
--   BENCH_RUN_ID             makes nonces unique across runs against the same data directory
--   BENCH_SCENARIO/PHASE     part of every nonce, so warm-up and measured run never collide
--   BENCH_REFUSALS_INTENDED  "1": a 422 whose body carries BENCH_REFUSAL_CODE is a refusal, not an error
--   BENCH_REFUSAL_CODE       problem code of an intended refusal (insufficient_funds)
--   BENCH_SHED_INTENDED      "1": a 503 or 429 is load shed on purpose (the overload scenario), not an error

function env_str(name, default)
  local v = os.getenv(name)
  if v == nil or v == "" then return default end
  return v
end

function env_int(name, default)
  local v = tonumber(env_str(name, tostring(default)))
  if v == nil then error(name .. " must be a number") end
  return math.floor(v)
end

cfg = {
  api_key = env_str("BENCH_API_KEY", "dev-app1-key"),
  run_id = env_str("BENCH_RUN_ID", tostring(os.time())),
  scenario = env_str("BENCH_SCENARIO", "adhoc"),
  phase = env_str("BENCH_PHASE", "run"),
  refusals_intended = env_str("BENCH_REFUSALS_INTENDED", "0") == "1",
  refusal_code = env_str("BENCH_REFUSAL_CODE", "insufficient_funds"),
  shed_intended = env_str("BENCH_SHED_INTENDED", "0") == "1",
}

-- JSON string values we build are ids and codes we chose ourselves; refuse anything that would
-- need escaping rather than send malformed JSON.
function json_safe(s)
  if string.find(s, '[%c"\\]') then error("value needs JSON escaping: " .. s) end
  return s
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_no", #threads)
end

function init(args)
  thread_no = thread_no or 0
  seq = 0        -- nonce counter
  sent = 0       -- requests handed to wrk (>= requests on the wire)
  ok = 0         -- 2xx
  refused = 0    -- intended refusals (422 insufficient_funds in the racing scenario)
  shed = 0       -- intended load shedding (503 or 429 in the overload scenario)
  bad = 0        -- every other status
  codes = {}
  first_bad = ""
  math.randomseed(os.time() + thread_no * 104729)
  nonce_prefix = json_safe(cfg.run_id .. "-" .. cfg.scenario .. "-" .. cfg.phase .. "-t" .. thread_no .. "-")
  if scenario_init ~= nil then scenario_init(args) end
end

function next_nonce()
  seq = seq + 1
  return nonce_prefix .. seq
end

-- Count and return a request built by a scenario.
function count(req)
  sent = sent + 1
  return req
end

function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
  if status >= 200 and status < 300 then
    ok = ok + 1
  elseif status == 422 and cfg.refusals_intended and body ~= nil
      and string.find(body, cfg.refusal_code, 1, true) ~= nil then
    refused = refused + 1
  elseif (status == 503 or status == 429) and cfg.shed_intended then
    shed = shed + 1
  else
    bad = bad + 1
    if first_bad == "" then
      first_bad = tostring(status) .. " " .. string.gsub(string.sub(body or "", 1, 300), "%s+", " ")
    end
  end
end

function done(summary, latency, requests)
  local agg = { sent = 0, ok = 0, refused = 0, shed = 0, bad = 0 }
  local codes_all = {}
  local sample = ""
  for _, t in ipairs(threads) do
    for k, _ in pairs(agg) do agg[k] = agg[k] + (t:get(k) or 0) end
    for code, n in pairs(t:get("codes") or {}) do
      codes_all[code] = (codes_all[code] or 0) + n
    end
    local fb = t:get("first_bad") or ""
    if sample == "" and fb ~= "" then sample = fb end
  end
  local code_list = {}
  for code, n in pairs(codes_all) do table.insert(code_list, tostring(code) .. ":" .. tostring(n)) end
  table.sort(code_list)
  local e = summary.errors
  print(string.format(
    "BENCH_RESULT requests=%d duration_us=%d p50_us=%.0f p99_us=%.0f sent=%d ok=%d refused=%d shed=%d bad=%d "
      .. "connect_err=%d read_err=%d write_err=%d timeout_err=%d status_err=%d codes=%s",
    summary.requests, summary.duration, latency:percentile(50.0), latency:percentile(99.0),
    agg.sent, agg.ok, agg.refused, agg.shed, agg.bad,
    e.connect, e.read, e.write, e.timeout, e.status,
    (#code_list > 0) and table.concat(code_list, ",") or "none"))
  if sample ~= "" then print("BENCH_FIRST_BAD " .. sample) end
end
