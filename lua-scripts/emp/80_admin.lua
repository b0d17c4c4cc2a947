-- Client-side operations (cancel, retry, reads) and housekeeping (promote, prune, configure).

--[[
  emp_cancel — cancel a job in any unfinished state.
  KEYS[1] P
  ARGV[1] job id
  Returns {0, 'cancelled'} for queued/delayed jobs; {0, 'cancel_requested'} for held jobs: the worker
          is told (ctl list, heartbeat and progress replies) and reports back, or the lease runs out.
  Errors  {-1} unknown job, {-4, status, message} already finished
]]
local function cancel(keys, args)
  local P, id = keys[1], args[1]
  local j = load_job(P, id)
  if not j then return err(E_NOT_FOUND, 'job', 'unknown job ' .. tostring(id)) end
  if TERMINAL[j.status] then return err(E_ILLEGAL_STATE, j.status, 'job ' .. id .. ' is already ' .. j.status) end
  local now = now_ms()
  local cfg = load_cfg(P, now)
  if j.status == 'queued' then
    bucket_remove(P, id, j.sig, j.customer_id or '')
  elseif j.status == 'delayed' then
    rcall('ZREM', P .. 'delayed', id)
  else
    if j.cancel_requested ~= '1' then
      rcall('HSET', job_key(P, id), 'cancel_requested', '1')
      local ctl = worker_key(P, j.worker) .. ':ctl'
      rcall('RPUSH', ctl, 'cancel:' .. id)
      rcall('LTRIM', ctl, -100, -1)
      emit(P, cfg, 'job.cancel_requested', 'job', id, 'status', j.status, 'service', j.service, 'worker', j.worker)
    end
    return { OK, 'cancel_requested' }
  end
  cancel_now(P, cfg, j, now)
  return { OK, 'cancelled' }
end

--[[
  emp_retry — run a failed or cancelled job again (attempts and loss streak reset).
  KEYS[1] P
  ARGV[1] job id
  Returns {0, 'queued'}
  Errors  {-1} unknown job, {-4, status, message} not failed/cancelled
]]
local function retry(keys, args)
  local P, id = keys[1], args[1]
  local j = load_job(P, id)
  if not j then return err(E_NOT_FOUND, 'job', 'unknown job ' .. tostring(id)) end
  if j.status ~= 'failed' and j.status ~= 'cancelled' then
    return err(E_ILLEGAL_STATE, j.status, 'only failed or cancelled jobs can be retried; job is ' .. j.status)
  end
  local now = now_ms()
  local cfg = load_cfg(P, now)
  local jk = job_key(P, id)
  for _, k in ipairs({ jk, jk .. ':p', jk .. ':r' }) do rcall('PERSIST', k) end
  rcall('DEL', jk .. ':r')
  rcall('HSET', jk, 'failures', '0', 'loss_streak', '0')
  rcall('HDEL', jk, 'finished_at', 'error', 'fail_reason', 'avoid_worker', 'avoid_until')
  if j.idem then rcall('PEXPIRE', P .. 'idem:' .. j.idem, fmt(cfg.idem_ttl_ms)) end
  count(P, 'retried')
  enqueue(P, cfg, j, now, 'retried', true)
  return { OK, 'queued' }
end

--[[
  emp_get_job (no-writes) — one job with payload and result, and the newest event id at that moment
  (an SSE stream sends the job as its state with this id, then every later event: exact, no gap).
  KEYS[1] P
  ARGV[1] job id
  Returns {0, payload or '', result or '', {field, value, ...}, newest event id or ''}
  Errors  {-1} unknown job
]]
local function get_job(keys, args)
  local jk = job_key(keys[1], args[1])
  local h = rcall('HGETALL', jk)
  if #h == 0 then return err(E_NOT_FOUND, 'job', 'unknown job ' .. tostring(args[1])) end
  local newest = rcall('XREVRANGE', keys[1] .. 'events', '+', '-', 'COUNT', 1)[1]
  return { OK, rcall('GET', jk .. ':p') or '', rcall('GET', jk .. ':r') or '', h, newest and newest[1] or '' }
end

-- Index entries strictly after the cursor (score desc, id desc), skipping other services. Held
-- statuses (assigned, running) page through the leases set, ordered by lease deadline.
local function page_of(P, status, cs, cid, limit, service, customer)
  local held = not INDEXED[status]
  local idx = held and (P .. 'leases') or (P .. 'idx:' .. status)
  local out, offset, scanned = {}, 0, 0
  local budget = limit * 20
  while #out < limit and scanned < budget do
    local r = rcall('ZREVRANGEBYSCORE', idx, cs and fmt(cs) or '+inf', '-inf', 'WITHSCORES', 'LIMIT', offset, limit)
    if #r == 0 then break end
    offset = offset + #r / 2
    for i = 1, #r, 2 do
      local id, score = r[i], tonumber(r[i + 1])
      scanned = scanned + 1
      if not cs or score < cs or id < cid then
        local filtered = held or service ~= '' or customer ~= ''
        local f = filtered and rcall('HMGET', job_key(P, id), 'status', 'service', 'customer_id') or {}
        if (not held or f[1] == status) and (service == '' or f[2] == service)
          and (customer == '' or f[3] == customer) then
          out[#out + 1] = { id = id, score = score }
        end
      end
    end
  end
  return out
end

--[[
  emp_list_jobs (no-writes) — jobs newest first by the time they entered their current status.
  KEYS[1] P
  ARGV[1] status ('' = all)   ARGV[2] cursor ('' or '<ms>:<id>')   ARGV[3] limit 1-500
  ARGV[4] service ('' = any)   ARGV[5] customer ('' = any): only that customer's jobs
  Returns {0, next cursor ('' = no more), {id, {field, value, ...}}, ...}
  Errors  {-5, field, message}
]]
local function list_jobs(keys, args)
  local P, status, cursor, service, customer = keys[1], args[1] or '', args[2] or '', args[4] or '', args[5] or ''
  local limit = tonumber(args[3])
  if not is_int(limit, 1, 500) then return err(E_INVALID, 'limit', 'must be an integer 1-500') end
  local statuses = STATUSES
  if status ~= '' then
    if not contains(STATUSES, status) then return err(E_INVALID, 'status', 'unknown status ' .. status) end
    statuses = { status }
  end
  local cs, cid
  if cursor ~= '' then
    local a, b = string.match(cursor, '^(%d+):(.+)$')
    if not a then return err(E_INVALID, 'cursor', 'malformed cursor') end
    cs, cid = tonumber(a), b
  end
  local all = {}
  for _, st in ipairs(statuses) do
    for _, e in ipairs(page_of(P, st, cs, cid, limit, service, customer)) do all[#all + 1] = e end
  end
  table.sort(all, function(a, b) return a.score > b.score or (a.score == b.score and a.id > b.id) end)
  local out = { OK, '' }
  for i = 1, math.min(limit, #all) do
    out[#out + 1] = { all[i].id, rcall('HGETALL', job_key(P, all[i].id)) }
  end
  if #all >= limit then out[2] = fmt(all[limit].score) .. ':' .. all[limit].id end
  return out
end

--[[
  emp_promote — due delayed jobs -> queued, waking idle workers.
  KEYS[1] P
  ARGV[1] max ('' = promote_batch)
  Returns {0, promoted}
]]
local function promote(keys, args)
  local P = keys[1]
  local now = now_ms()
  local cfg = load_cfg(P, now)
  return { OK, promote_due(P, cfg, now, tonumber(args[1]) or cfg.promote_batch, true) }
end

--[[
  emp_prune — retention housekeeping, bounded per call.
  KEYS[1] P
  ARGV[1] max items per kind ('' = 1000)
  Returns {0, index entries removed, signatures removed, workers removed}
]]
local function prune(keys, args)
  local P = keys[1]
  local now = now_ms()
  local cfg = load_cfg(P, now)
  local max = tonumber(args[1]) or 1000
  local removed = 0
  for st, keep in pairs({ completed = cfg.retention_completed_ms, failed = cfg.retention_failed_ms,
    cancelled = cfg.retention_failed_ms }) do
    local old = rcall('ZRANGEBYSCORE', P .. 'idx:' .. st, '-inf', fmt(now - keep), 'LIMIT', 0, max)
    for _, id in ipairs(old) do removed = removed + rcall('ZREM', P .. 'idx:' .. st, id) end
  end
  local sigs = 0
  for _, sig in ipairs(rcall('ZRANGEBYSCORE', P .. 'sigseen', '-inf', fmt(now - cfg.sig_ttl_ms), 'LIMIT', 0, max)) do
    if rcall('SISMEMBER', P .. 'sigs', sig) == 0 then
      rcall('HDEL', P .. 'sigd', sig)
      rcall('ZREM', P .. 'sigseen', sig)
      sigs = sigs + 1
    end
  end
  local workers = 0
  for _, wid in ipairs(rcall('ZRANGEBYSCORE', P .. 'workers', '-inf', fmt(now - cfg.worker_retention_ms), 'LIMIT', 0, max)) do
    local key = worker_key(P, wid)
    if rcall('SCARD', key .. ':jobs') == 0 then
      leave_idle(P, wid)
      local machine = rcall('HGET', key, 'machine')
      if machine then rcall('SREM', P .. 'machine:' .. machine .. ':workers', wid) end
      index_worker(P, key, wid, nil, now)
      rcall('DEL', key, key .. ':jobs', key .. ':mc', key .. ':match', key .. ':wake', key .. ':ctl')
      rcall('ZREM', P .. 'workers', wid)
      workers = workers + 1
    end
  end
  return { OK, removed, sigs, workers }
end

--[[
  emp_configure — set namespace configuration values (defaults apply to missing names).
  KEYS[1] P
  ARGV    name, value pairs; values are non-negative numbers
  Returns {0}
  Errors  {-5, name, message}: nothing written
]]
local function configure(keys, args)
  if #args % 2 ~= 0 then return err(E_INVALID, 'args', 'expected name, value pairs') end
  for i = 1, #args, 2 do
    local v = tonumber(args[i + 1])
    if CFG_DEFAULTS[args[i]] == nil then return err(E_INVALID, args[i], 'unknown configuration name') end
    if not v or v < 0 or v ~= v or v == math.huge then return err(E_INVALID, args[i], 'must be a number >= 0') end
  end
  if #args > 0 then rcall('HSET', keys[1] .. 'cfg', unpack(args)) end
  CFG_CACHE[keys[1]] = nil
  return { OK }
end

-- The first invalid field of a pool policy document, nil when valid (docs/pools-and-models.md).
local function policy_problem(pol)
  if not is_object(pol) then return 'policy', 'must be a JSON object' end
  for k in pairs(pol) do
    if k ~= 'pools' and k ~= 'classify' and k ~= 'min_samples' and k ~= 'default_pool' and k ~= 'fallback' then
      return 'policy.' .. tostring(k), 'unknown field'
    end
  end
  if pol.pools ~= nil then
    if not string_list(pol.pools) then return 'policy.pools', 'must be an array of pool names' end
    for _, p in ipairs(pol.pools) do
      if not valid_name(p, 64) then return 'policy.pools', 'invalid pool name ' .. p end
    end
  end
  if pol.classify ~= nil then
    if not is_array(pol.classify) then return 'policy.classify', 'must be an array' end
    for i, c in ipairs(pol.classify) do
      local at = 'policy.classify[' .. (i - 1) .. ']'
      if not is_object(c) or not valid_name(c.pool, 64) then return at .. '.pool', 'must be a pool name' end
      if c.below_ms ~= nil and (type(c.below_ms) ~= 'number' or c.below_ms <= 0) then
        return at .. '.below_ms', 'must be a positive number of milliseconds'
      end
    end
  end
  if pol.min_samples ~= nil and not is_int(pol.min_samples, 1, 1000000) then
    return 'policy.min_samples', 'must be an integer >= 1'
  end
  if pol.default_pool ~= nil and not (pol.default_pool == '' or valid_name(pol.default_pool, 64)) then
    return 'policy.default_pool', 'must be a pool name or ""'
  end
  if pol.fallback ~= nil then
    if not is_object(pol.fallback) then return 'policy.fallback', 'must be an object: pool -> rules' end
    for from, rules in pairs(pol.fallback) do
      local at = 'policy.fallback.' .. tostring(from)
      if not valid_name(from, 64) then return at, 'invalid pool name' end
      if not is_array(rules) then return at, 'must be an array of rules' end
      for i, r in ipairs(rules) do
        local rat = at .. '[' .. (i - 1) .. ']'
        if not is_object(r) then return rat, 'must be an object' end
        if not (r.to == '*' or valid_name(r.to, 64)) then return rat .. '.to', 'must be a pool name or "*"' end
        if r.after_ms ~= nil and (type(r.after_ms) ~= 'number' or r.after_ms < 0) then
          return rat .. '.after_ms', 'must be a number >= 0'
        end
        if r.when_no_live ~= nil and type(r.when_no_live) ~= 'boolean' then
          return rat .. '.when_no_live', 'must be true or false'
        end
      end
    end
  end
  return nil
end

--[[
  emp_set_pools — set (or clear) the namespace's pool policy (docs/pools-and-models.md#2-pools-and-fallback).
  KEYS[1] P
  ARGV[1] policy JSON ('' = no pools: jobs without pool run anywhere, pooled jobs only in their pool)
  Returns {0}
  Errors  {-5, field, message}: nothing written
]]
local function set_pools(keys, args)
  local text = args[1] or ''
  if text == '' then
    rcall('DEL', keys[1] .. 'cfg:pools')
  else
    local bad, why = policy_problem(decode(text))
    if bad then return err(E_INVALID, bad, why) end
    rcall('SET', keys[1] .. 'cfg:pools', text)
  end
  CFG_CACHE[keys[1]] = nil
  return { OK }
end

local function version()
  return LIB_VERSION
end
