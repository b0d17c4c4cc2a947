-- emp_submit and the validation of a submission document.

local SUBMISSION_FIELDS = {
  service = true, pool = true, priority = true, customer_id = true, workflow_id = true,
  workflow_priority = true, workflow_datetime = true, step_number = true, max_attempts = true,
  timeout_s = true, delay_ms = true, idempotency_key = true, requirements = true, backoff = true,
  job_class = true, principal = true
}
local MAX_EPOCH_MS = 9999999999999

local function check_optional_string(s, name, max)
  local v = s[name]
  if v == nil then return nil end
  if type(v) ~= 'string' or v == '' or #v > max then
    return name, 'must be a non-empty string of at most ' .. max .. ' bytes'
  end
  return nil
end

local function check_backoff(b)
  if not is_object(b) then return 'backoff', 'must be an object' end
  for k, v in pairs(b) do
    if k ~= 'base_ms' and k ~= 'factor' and k ~= 'cap_ms' then return 'backoff.' .. k, 'unknown field' end
    if type(v) ~= 'number' or v < 0 or v ~= v or v > 86400000 then
      return 'backoff.' .. k, 'must be a number between 0 and 86400000'
    end
  end
  if b.factor and b.factor < 1 then return 'backoff.factor', 'must be >= 1' end
  return nil
end

-- Returns field, message for the first invalid field of a decoded submission, nil when valid.
local function validate_submission(s)
  for k in pairs(s) do
    if not SUBMISSION_FIELDS[k] then return tostring(k), 'unknown field' end
    if s[k] == cjson.null then return k, 'must not be null' end
  end
  if not valid_name(s.service, 64) then return 'service', 'required: 1-64 characters of [A-Za-z0-9_.:-]' end
  if s.pool ~= nil and not valid_name(s.pool, 64) then return 'pool', 'must be 1-64 characters of [A-Za-z0-9_.:-]' end
  if s.priority ~= nil and not is_int(s.priority, 0, 100) then return 'priority', 'must be an integer 0-100' end
  if s.workflow_priority ~= nil and not is_int(s.workflow_priority, 0, 100) then
    return 'workflow_priority', 'must be an integer 0-100'
  end
  if s.workflow_datetime ~= nil and not is_int(s.workflow_datetime, 0, MAX_EPOCH_MS) then
    return 'workflow_datetime', 'must be epoch milliseconds'
  end
  if s.step_number ~= nil and not is_int(s.step_number, 0, 1000000) then return 'step_number', 'must be an integer >= 0' end
  if s.max_attempts ~= nil and not is_int(s.max_attempts, 1, 20) then return 'max_attempts', 'must be an integer 1-20' end
  if s.timeout_s ~= nil and not (type(s.timeout_s) == 'number' and s.timeout_s > 0 and s.timeout_s <= 604800) then
    return 'timeout_s', 'must be a number of seconds in (0, 604800]'
  end
  if s.delay_ms ~= nil and not is_int(s.delay_ms, 0, 2592000000) then return 'delay_ms', 'must be an integer 0-2592000000' end
  local bad, why = check_optional_string(s, 'customer_id', 128)
  if not bad then bad, why = check_optional_string(s, 'workflow_id', 128) end
  if not bad then bad, why = check_optional_string(s, 'idempotency_key', 200) end
  if not bad and s.backoff ~= nil then bad, why = check_backoff(s.backoff) end
  if not bad and s.principal ~= nil and not valid_name(s.principal, 128) then
    bad, why = 'principal', 'must be 1-128 characters of [A-Za-z0-9_.:-]'
  end
  if not bad and s.job_class ~= nil and (type(s.job_class) ~= 'string' or #s.job_class > 128
    or not string.find(s.job_class, '^[%w_%.:/@%-]+$')) then
    bad, why = 'job_class', 'must be 1-128 characters of [A-Za-z0-9_.:/@-]'
  end
  return bad, why
end

-- Fixed one-second windows: the count of this second for the key, and the ms left in it.
local function window_count(P, kind, name, now)
  local sec = math.floor(now / 1000)
  local key = P .. 'rl:' .. kind .. ':' .. name .. ':' .. fmt(sec)
  local n = rcall('INCR', key)
  if n == 1 then rcall('PEXPIRE', key, 2000) end
  return n, 1000 - (now % 1000)
end

-- Admission control of a submission (docs/security.md#limits): per-principal and per-customer rates,
-- per-customer queue depth. Returns an error reply, or nil to admit.
local function admission(P, cfg, s, now)
  if cfg.rate_principal_per_s > 0 and s.principal then
    local n, left = window_count(P, 'p', s.principal, now)
    if n > cfg.rate_principal_per_s then
      return { E_RATE_LIMITED, 'rate', 'more than ' .. fmt(cfg.rate_principal_per_s) .. ' submissions per second for '
        .. s.principal, left }
    end
  end
  local cust = s.customer_id or ''
  if cfg.rate_customer_per_s > 0 and cust ~= '' then
    local n, left = window_count(P, 'c', cust, now)
    if n > cfg.rate_customer_per_s then
      return { E_RATE_LIMITED, 'rate', 'more than ' .. fmt(cfg.rate_customer_per_s)
        .. ' submissions per second for customer ' .. cust, left }
    end
  end
  if cfg.max_queued_per_customer > 0 and (s.delay_ms or 0) == 0 then
    local queued = tonumber(rcall('HGET', P .. 'custq', cust == '' and '-' or cust)) or 0
    if queued >= cfg.max_queued_per_customer then
      return { E_RATE_LIMITED, 'queue', 'customer ' .. (cust == '' and '(none)' or cust) .. ' has '
        .. fmt(queued) .. ' queued jobs, the most allowed', 5000 }
    end
  end
  return nil
end

-- The job's duration class (docs/pools-and-models.md#1-duration-model).
local function class_of(s, req)
  if s.job_class then return s.job_class end
  local r = type(req) == 'table' and req or {}
  local models = type(r.models) == 'table' and table.concat(r.models, '+') or ''
  return s.service .. ':' .. (r.component or r.workflow or '') .. ':' .. models
end

-- p50 of a duration class in ms from its histogram, nil with fewer than min samples.
local function class_p50(P, class, min)
  local h = to_map(rcall('HGETALL', P .. 'dur:' .. class))
  local n = tonumber(h.n) or 0
  if n < math.max(1, min) then return nil end
  return dur_percentile(h, 0.5)
end

-- The pool of a job without an explicit one, under the policy: (pool, source).
local function classify_pool(P, cfg, class)
  local pol = cfg.pol
  if not pol then return nil, nil end
  local p50 = class_p50(P, class, tonumber(pol.min_samples) or 5)
  if p50 and type(pol.classify) == 'table' then
    for _, c in ipairs(pol.classify) do
      if type(c) == 'table' and type(c.pool) == 'string' and (c.below_ms == nil or p50 < tonumber(c.below_ms)) then
        return c.pool, 'classified'
      end
    end
  end
  local default = type(pol.default_pool) == 'string' and pol.default_pool or ''
  if default == '' then return nil, 'default' end
  return default, 'default'
end

-- Signature of the routing needs; stores the canonical descriptor on first use.
local function signature_of(P, s, req, now)
  local desc = canon({ s = s.service, p = s.pool or '', r = req })
  local sig = string.sub(redis.sha1hex(desc), 1, 16)
  rcall('HSETNX', P .. 'sigd', sig, desc)
  rcall('ZADD', P .. 'sigseen', fmt(now), sig)
  return sig
end

local function job_fields(s, sig, score, status, now)
  local f = { 'service', s.service, 'sig', sig, 'priority', fmt(s.priority or 50), 'score', fmt(score),
    'status', status, 'submitted_at', fmt(now), 'max_attempts', fmt(s.max_attempts or 0) }
  local optional = { 'pool', 'customer_id', 'workflow_id', 'workflow_priority', 'workflow_datetime', 'step_number',
    'principal' }
  for _, name in ipairs(optional) do
    local v = s[name]
    if v ~= nil then
      f[#f + 1] = name
      f[#f + 1] = type(v) == 'number' and fmt(v) or v
    end
  end
  if s.timeout_s then f[#f + 1] = 'timeout_s'; f[#f + 1] = tostring(s.timeout_s) end
  if s.idempotency_key then f[#f + 1] = 'idem'; f[#f + 1] = s.idempotency_key end
  if s.backoff then
    for k, v in pairs(s.backoff) do f[#f + 1] = 'backoff_' .. k; f[#f + 1] = tostring(v) end
  end
  return f
end

--[[
  emp_submit — validate, store and queue (or delay) one job; wake a matching idle worker.
  KEYS[1] P
  ARGV[1] job id (ULID, 26 chars of Crockford base32)
  ARGV[2] submission JSON (see docs/redis-functions.md#emp_submit)
  ARGV[3] payload JSON text ('' = none), stored opaque
  Returns {0, id, status, duplicate(0|1)}
  Errors  {-5, field, message}, {-6, 'payload', message} over max_payload_bytes: nothing has been written
          {-7, 'rate' | 'queue', message, retry_after_ms}: a rate limit or the customer's queue cap
          (docs/security.md#limits); nothing but the rate window counter was written
]]
local function submit(keys, args)
  local P, id, payload = keys[1], args[1], args[3] or ''
  local now = now_ms()
  local cfg = load_cfg(P, now)
  local s = decode(args[2])
  if not is_object(s) then return err(E_INVALID, 'body', 'submission must be a JSON object') end
  local bad, why = validate_submission(s)
  if bad then return err(E_INVALID, bad, why) end
  local req
  req, bad, why = normalize_requirements(s.requirements, s.service)
  if not req then return err(E_INVALID, bad, why) end
  if #payload > cfg.max_payload_bytes then return err(E_TOO_LARGE, 'payload', 'larger than ' .. fmt(cfg.max_payload_bytes) .. ' bytes') end
  if type(id) ~= 'string' or not string.find(id, '^[0-9A-HJKMNP-TV-Z]+$') or #id ~= 26 then
    return err(E_INVALID, 'id', 'must be a 26-character ULID')
  end
  if s.idempotency_key then
    local existing = rcall('GET', P .. 'idem:' .. s.idempotency_key)
    local status = existing and rcall('HGET', job_key(P, existing), 'status')
    if status then return { OK, existing, status, 1 } end
  end
  local jk = job_key(P, id)
  if rcall('EXISTS', jk) == 1 then return err(E_INVALID, 'id', 'a job with this id exists') end
  local limited = admission(P, cfg, s, now)
  if limited then return limited end

  s.max_attempts = s.max_attempts or cfg.max_attempts_default
  local class = class_of(s, req)
  local pool_source = s.pool and 'explicit' or nil
  if not s.pool then s.pool, pool_source = classify_pool(P, cfg, class) end
  local sig = signature_of(P, s, req, now)
  local score = (100 - (s.workflow_priority or s.priority or 50)) * 1e13 + (s.workflow_datetime or now)
  local status = (s.delay_ms or 0) > 0 and 'delayed' or 'queued'
  rcall('HSET', jk, unpack(job_fields(s, sig, score, status, now)))
  rcall('HSET', jk, 'class', class)
  if pool_source then rcall('HSET', jk, 'pool_source', pool_source) end
  if payload ~= '' then rcall('SET', jk .. ':p', payload) end
  if type(req) == 'table' and type(req.models) == 'table' then
    -- demand per model, pool and hour, for the placement planner
    local hk = P .. 'demand:' .. fmt(math.floor(now / 3600000))
    for _, m in ipairs(req.models) do rcall('HINCRBY', hk, m .. '|' .. (s.pool or ''), 1) end
    rcall('PEXPIRE', hk, 8 * 86400000)
  end
  if status == 'delayed' then
    local due = now + s.delay_ms
    rcall('HSET', jk, 'delayed_until', fmt(due))
    rcall('ZADD', P .. 'delayed', fmt(due), id)
  else
    bucket_add(P, id, sig, s.customer_id or '', fmt(score))
  end
  set_status_index(P, id, nil, status, now)
  if s.idempotency_key then rcall('SET', P .. 'idem:' .. s.idempotency_key, id, 'PX', fmt(cfg.idem_ttl_ms)) end
  count(P, 'submitted:' .. job_kind(s.service, s.pool))
  emit(P, cfg, 'job.submitted', 'job', id, 'status', status, 'service', s.service,
    'priority', fmt(s.priority or 50), 'pool', s.pool or '', 'customer', s.customer_id or '')
  if status == 'queued' then wake_one(P, cfg, s.service, sig, s.customer_id or '', s.workflow_id, now) end
  return { OK, id, status, 0 }
end
