#!lua name=emp
--[[
  emp — the emp-job-queue broker library (Redis >= 7 functions).

  This file is one part of the library; the loader concatenates the parts listed in library.txt.
  Contract (keys, ARGV, replies, events): docs/redis-functions.md. Matching rules: docs/matching.md.
  KEYS[1] is always the namespace prefix 'emp:{<ns>}:'; every other key is derived from it.
]]
-- redis.call is not reachable while a library loads, only when its functions run.
local function rcall(...)
  return redis.call(...)
end
local LIB_VERSION = '__EMP_LIB_VERSION__'

-- Reply status codes, mirrored by io.emp.core.store.BrokerError.
local OK = 0
local E_NOT_FOUND = -1
local E_UNKNOWN_WORKER = -2
local E_FENCED = -3
local E_ILLEGAL_STATE = -4
local E_INVALID = -5
local E_TOO_LARGE = -6
local E_RATE_LIMITED = -7

local CFG_DEFAULTS = {
  lease_ms = 15000, retry_avoid_ms = 30000, poison_losses = 3,
  retention_completed_ms = 86400000, retention_failed_ms = 604800000, events_maxlen = 100000,
  backoff_base_ms = 1000, backoff_factor = 2, backoff_cap_ms = 300000, promote_batch = 100,
  lookahead = 16, head_scan = 4, idem_ttl_ms = 86400000, worker_stale_ms = 30000,
  max_payload_bytes = 1048576, wake_candidates = 8, sig_ttl_ms = 3456000000,
  worker_retention_ms = 604800000, max_attempts_default = 3, worker_offline_ms = 120000,
  machine_stale_ms = 45000, machine_offline_ms = 180000,
  affinity_cap_ms = 300000, download_bps = 100000000, model_default_bytes = 5000000000,
  rate_principal_per_s = 0, rate_customer_per_s = 0, max_queued_per_customer = 0
}
-- Only the library's own definitions run at load time (no library calls), so the names are listed.
local CFG_NAMES = { 'affinity_cap_ms', 'backoff_base_ms', 'backoff_cap_ms', 'backoff_factor', 'events_maxlen', 'head_scan',
  'idem_ttl_ms', 'lease_ms', 'lookahead', 'machine_offline_ms', 'machine_stale_ms', 'max_attempts_default', 'max_payload_bytes', 'poison_losses',
  'promote_batch', 'retention_completed_ms', 'retention_failed_ms', 'retry_avoid_ms', 'sig_ttl_ms',
  'wake_candidates', 'worker_offline_ms', 'worker_retention_ms', 'worker_stale_ms', 'download_bps',
  'model_default_bytes', 'rate_principal_per_s', 'rate_customer_per_s', 'max_queued_per_customer' }

local STATUSES = { 'queued', 'delayed', 'assigned', 'running', 'completed', 'failed', 'cancelled' }
local TERMINAL = { completed = true, failed = true, cancelled = true }

local function err(code, field, message)
  return { code, field or '', message or '' }
end

-- Integers cross into Redis as '%.0f' strings: Lua's default number formatting is '%.14g' and would
-- silently round scores and timestamps.
local function fmt(n)
  return string.format('%.0f', n)
end

local function now_ms()
  local t = rcall('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- The namespace configuration, cached for up to a second per namespace: it is read by every call
-- and written only by emp_configure, which drops the cache (an edit of the hash by hand shows within
-- a second). The cache lives in this library's Lua state, shared by all calls on this server.
local CFG_CACHE = {}
local CFG_CACHE_MS = 1000

local function load_cfg(P, now)
  local hit = CFG_CACHE[P]
  if hit and now - hit.at < CFG_CACHE_MS and now >= hit.at then return hit.cfg end
  local values = rcall('HMGET', P .. 'cfg', unpack(CFG_NAMES))
  local cfg = {}
  for i, name in ipairs(CFG_NAMES) do
    cfg[name] = (values[i] and tonumber(values[i])) or CFG_DEFAULTS[name]
  end
  -- the pool policy (emp_set_pools), decoded once per cache period; nil = no pools configured
  local pol = rcall('GET', P .. 'cfg:pools')
  if pol then
    local ok, doc = pcall(cjson.decode, pol)
    if ok and type(doc) == 'table' then cfg.pol = doc end
  end
  CFG_CACHE[P] = { at = now, cfg = cfg }
  return cfg
end

local function job_key(P, id) return P .. 'job:' .. id end
local function worker_key(P, wid) return P .. 'worker:' .. wid end
local function sub_key(P, sig, cust) return P .. 'sig:' .. sig .. ':q:' .. cust end
local function heads_key(P, sig) return P .. 'sig:' .. sig .. ':h' end

-- Appends one event to the namespace stream; the stream id carries the event time.
local function emit(P, cfg, etype, ...)
  rcall('XADD', P .. 'events', 'MAXLEN', '~', fmt(cfg.events_maxlen), '*', 'type', etype, ...)
end

local function count(P, ...)
  for _, name in ipairs({ ... }) do rcall('HINCRBY', P .. 'counters', name, 1) end
end

-- The counter suffix of a job's service and pool: '<service>|<pool>' ('none' = no pool).
local function job_kind(service, pool)
  return service .. '|' .. ((pool and pool ~= '') and pool or 'none')
end

-- Prometheus-style histograms (never decayed) per kind and pool, for /metrics: bucket upper bounds in
-- ms; a value lands in the first bucket it fits ('inf' beyond), plus the sum in whole ms ('sum_ms').
-- Two integer increments per value: emp_stats derives count (the buckets' total) and sum in seconds.
local HIST_LE_MS = { 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 120000, 300000, 600000, 1800000, 3600000 }

local function hist_record(P, kind, pool, ms)
  local key = P .. 'hist:' .. kind .. ':' .. ((pool and pool ~= '') and pool or 'none')
  local field = 'inf'
  for _, le in ipairs(HIST_LE_MS) do
    if ms <= le then
      field = tostring(le)
      break
    end
  end
  rcall('HINCRBY', key, field, 1)
  rcall('HINCRBY', key, 'sum_ms', math.floor(ms + 0.5))
end

-- Statuses with an index of their own (score = time the job entered the status). Held jobs
-- (assigned, running) are indexed by the leases set instead: one sorted set less to maintain on the
-- hot path of every job.
local INDEXED = { queued = true, delayed = true, completed = true, failed = true, cancelled = true }

local function set_status_index(P, id, from, to, now)
  if from and from ~= to and INDEXED[from] then rcall('ZREM', P .. 'idx:' .. from, id) end
  if INDEXED[to] then rcall('ZADD', P .. 'idx:' .. to, fmt(now), id) end
end

-- Converts an HGETALL reply into a table.
local function to_map(flat)
  local m = {}
  for i = 1, #flat, 2 do m[flat[i]] = flat[i + 1] end
  return m
end

local function split_csv(s)
  local out = {}
  if s and s ~= '' then
    for part in string.gmatch(s, '[^,]+') do out[#out + 1] = part end
  end
  return out
end

local function valid_name(s, max)
  return type(s) == 'string' and #s > 0 and #s <= max and string.find(s, '^[%w_%.:%-]+$') ~= nil
end
