-- emp_claim: the best matching jobs for one worker, across signature buckets.

-- Candidate order: by score (priority, then time), a cold candidate counting as if it had become
-- claimable its download time later (c.penalty, set by gated_best) — so a worker prefers a job whose
-- models it has over a slightly older one it would first have to download for.
local function better(a, b)
  if b == nil then return true end
  local sa, sb = a.score + (a.penalty or 0), b.score + (b.penalty or 0)
  return sa < sb or (sa == sb and a.id < b.id)
end

-- Job-level eligibility that a signature cannot express: the retry-avoid rule and a worker's
-- workflow restriction. Returns the job's fields when eligible (assign reuses them), nil otherwise.
-- Drops ids whose job is gone or no longer queued (self-healing).
local function eligible(P, w, sig, cust, id, now)
  local job = to_map(rcall('HGETALL', job_key(P, id)))
  if job.status ~= 'queued' then
    bucket_remove(P, id, sig, cust)
    return nil
  end
  if job.avoid_worker == w.id and (tonumber(job.avoid_until) or 0) > now then return nil end
  if w.wf and job.workflow_id ~= w.wf then return nil end
  return job
end

-- First eligible job of one sub-bucket, looking at most cfg.lookahead jobs deep.
local function first_eligible(P, cfg, w, sig, cust, now)
  local q = sub_key(P, sig, cust)
  local from = 0
  local batch = 1
  while from < cfg.lookahead do
    local r = rcall('ZRANGE', q, from, from + batch - 1, 'WITHSCORES')
    if #r == 0 then return nil end
    for i = 1, #r, 2 do
      local job = eligible(P, w, sig, cust, r[i], now)
      if job then return { id = r[i], score = tonumber(r[i + 1]), sig = sig, cust = cust, job = job } end
    end
    from = from + batch
    batch = cfg.lookahead - from
  end
  return nil
end

-- Best eligible job of one signature for this worker, honouring its customer lists.
local function best_in_sig(P, cfg, w, sig, now)
  local h = heads_key(P, sig)
  local subs = {}
  if w.allow then
    for _, c in ipairs(w.allow) do
      local s = rcall('ZSCORE', h, c)
      if s then subs[#subs + 1] = { c, tonumber(s) } end
    end
    table.sort(subs, function(a, b) return a[2] < b[2] end)
  else
    local r = rcall('ZRANGE', h, 0, (w.deny and #w.deny or 0) + cfg.head_scan - 1, 'WITHSCORES')
    for i = 1, #r, 2 do
      if not (w.deny_set and w.deny_set[r[i]]) then subs[#subs + 1] = { r[i], tonumber(r[i + 1]) } end
    end
  end
  local best
  for _, sub in ipairs(subs) do
    if best and sub[2] > best.score then break end
    local c = first_eligible(P, cfg, w, sig, sub[1], now)
    if c and better(c, best) then best = c end
  end
  return best
end

-- When a job became claimable: submitted, or due after a delay or a retry backoff.
local function ready_at(job, now)
  return math.max(tonumber(job.submitted_at) or now, tonumber(job.delayed_until) or 0)
end

-- A live worker of the pool exists (the pool index holds worker -> last seen).
local function pool_live(P, cfg, pool, now)
  return rcall('ZCOUNT', P .. 'pool:' .. pool .. ':workers', fmt(now - cfg.worker_stale_ms), '+inf') > 0
end

local function sig_models(P, sig)
  local d = decode(rcall('HGET', P .. 'sigd', sig))
  local m = type(d) == 'table' and type(d.r) == 'table' and d.r.models
  return type(m) == 'table' and m or nil
end

-- Every model is on the machine's disk (its model manager's inventory).
local function warm_on_machine(P, machine, models)
  if machine == '' then return false end
  for _, m in ipairs(models) do
    if rcall('SISMEMBER', P .. 'modelm:' .. m, machine) == 0 then return false end
  end
  return true
end

local function is_live(P, cfg, wid, now)
  local seen = tonumber(rcall('ZSCORE', P .. 'workers', wid))
  return seen ~= nil and now - seen <= cfg.worker_stale_ms and rcall('HGET', worker_key(P, wid), 'state') == 'active'
end

-- Some live worker other than `except` has every model: listed in its capabilities, or on its
-- machine's disk. Bounded: at most 64 candidates are looked at.
local function live_warm_exists(P, cfg, models, now, except)
  local keys_w, keys_m = {}, {}
  for _, m in ipairs(models) do
    keys_w[#keys_w + 1] = P .. 'modelw:' .. m
    keys_m[#keys_m + 1] = P .. 'modelm:' .. m
  end
  local seen = 0
  for _, wid in ipairs(rcall('SINTER', unpack(keys_w))) do
    if wid ~= except and is_live(P, cfg, wid, now) then return true end
    seen = seen + 1
    if seen >= 64 then return false end
  end
  for _, mid in ipairs(rcall('SINTER', unpack(keys_m))) do
    for _, wid in ipairs(rcall('SMEMBERS', P .. 'machine:' .. mid .. ':workers')) do
      if wid ~= except and is_live(P, cfg, wid, now) then return true end
      seen = seen + 1
      if seen >= 64 then return false end
    end
  end
  return false
end

-- How long a job waits for a warm worker before a cold one may download its models: the download
-- time itself (sizes from the catalog, the worker's rate), capped.
local function affinity_wait(P, cfg, w, models)
  if not w.caps then w.caps = decode(rcall('HGET', w.key, 'caps')) or {} end
  local bps = tonumber(w.caps.download_bytes_per_s) or cfg.download_bps
  local bytes = 0
  for _, m in ipairs(models) do
    bytes = bytes + (tonumber(rcall('HGET', P .. 'models', m)) or cfg.model_default_bytes)
  end
  return math.min(cfg.affinity_cap_ms, bytes * 1000 / math.max(1, bps))
end

-- The best job of a matching signature this worker may take now, with the pool and model gates of
-- docs/pools-and-models.md: c.route = 'own' | 'fallback', c.warmth = 'warm' | 'cold' | nil.
local function gated_best(P, cfg, w, m, now)
  local rel, rule = pool_relation(cfg.pol, m.pool, w.pool)
  if not rel then return nil end
  local c = best_in_sig(P, cfg, w, m.sig, now)
  if not c then return nil end
  local waited = now - ready_at(c.job, now)
  if rel == 'fallback' and waited < (tonumber(rule.after_ms) or 0) then
    if not (rule.when_no_live and not pool_live(P, cfg, m.pool, now)) then return nil end
  end
  c.route = rel
  if m.flag == 'w' then
    c.warmth = 'warm'
  elseif m.flag == 'c' then
    local models = sig_models(P, m.sig) or {}
    if warm_on_machine(P, w.machine, models) then
      c.warmth = 'warm'
    else
      local download_ms = cfg.affinity_cap_ms > 0 and affinity_wait(P, cfg, w, models) or 0
      if waited < download_ms and live_warm_exists(P, cfg, models, now, w.id) then
        return nil
      end
      c.warmth = 'cold'
      c.penalty = download_ms
    end
  end
  return c
end

-- Leases one job to the worker and returns its claim record.
local function assign(P, cfg, w, c, now)
  local id, job = c.id, c.job
  local jk = job_key(P, id)
  if rcall('ZREM', sub_key(P, c.sig, c.cust), id) == 1 then customer_queued(P, c.cust, -1) end
  refresh_head(P, c.sig, c.cust)
  local claims = (tonumber(job.claims) or 0) + 1
  local attempt = (tonumber(job.failures) or 0) + 1
  local token = attempt .. '.' .. claims
  local lease_until = now + w.lease_ms
  local set = { 'status', 'assigned', 'worker', w.id, 'token', token, 'claims', tostring(claims),
    'assigned_at', fmt(now), 'progress', '0' }
  if tonumber(job.timeout_s) then
    -- A job with a timeout is never leased past its deadline; emp_reap then fails the attempt.
    local deadline = now + math.floor(tonumber(job.timeout_s) * 1000)
    if deadline < lease_until then lease_until = deadline end
    set[#set + 1] = 'deadline'
    set[#set + 1] = fmt(deadline)
  end
  set[#set + 1] = 'lease_until'
  set[#set + 1] = fmt(lease_until)
  rcall('HSET', jk, unpack(set))
  if job.avoid_worker then
    rcall('HDEL', jk, 'avoid_worker', 'avoid_until')
    job.avoid_worker, job.avoid_until = nil, nil
  end
  rcall('ZADD', P .. 'leases', fmt(lease_until), id)
  rcall('SADD', w.key .. ':jobs', id)
  set_status_index(P, id, 'queued', 'assigned', now)
  -- how long the job waited since it became claimable, which pool rule let it through, model warmth
  local pool_name = (job.pool and job.pool ~= '') and job.pool or 'none'
  count(P, (c.route == 'fallback' and 'routed_fallback:' or 'routed_own:') .. pool_name)
  local waited = math.max(0, now - ready_at(job, now))
  dur_record(P .. 'waitpool:' .. pool_name, waited, now)
  hist_record(P, 'wait', job.pool, waited)
  count(P, 'claimed:' .. job_kind(job.service, job.pool))
  if c.warmth then count(P, 'models_' .. c.warmth) end
  emit(P, cfg, 'job.assigned', 'job', id, 'status', 'assigned', 'prev', 'queued', 'service', job.service,
    'worker', w.id, 'attempt', tostring(attempt), 'pool', job.pool or '', 'wait_ms',
    fmt(math.max(0, now - ready_at(job, now))), 'route', c.route or 'own', 'models', c.warmth or '')
  for i = 1, #set, 2 do job[set[i]] = set[i + 1] end
  local flat = {}
  for k, v in pairs(job) do
    flat[#flat + 1] = k
    flat[#flat + 1] = v
  end
  return { id, token, fmt(lease_until), rcall('GET', jk .. ':p') or '', flat }
end

--[[
  emp_claim — lease up to N of the best jobs this worker can run.
  KEYS[1] P
  ARGV[1] worker id (registered, not departed)
  ARGV[2] max jobs wanted (capped at the worker's free slots)
  ARGV[3] '1' = when fewer jobs than wanted are found, mark the worker idle so submit can wake it
  Returns {0, {id, token, lease_until, payload, {field, value, ...}}, ...}  (no jobs: {0})
  Errors  {-2, 'worker', message}
]]
local function claim(keys, args)
  local P, wid = keys[1], args[1]
  local want = tonumber(args[2]) or 1
  local now = now_ms()
  local cfg = load_cfg(P, now)
  local w = load_worker(P, wid)
  if not w then return err(E_UNKNOWN_WORKER, 'worker', 'unknown or departed worker ' .. tostring(wid)) end
  -- a pending wake token is stale now: this claim sees every job submitted before it
  if w.woken then rcall('DEL', w.key .. ':wake') end
  clear_idle(P, w, false)
  promote_due(P, cfg, now, cfg.promote_batch, false)
  local free = w.slots - rcall('SCARD', w.key .. ':jobs')
  if want > free then want = free end
  local out = { OK }
  if want > 0 then
    local cands, entries = {}, {}
    for _, m in ipairs(matching_sigs(P, w, rcall('SMEMBERS', P .. 'sigs'))) do
      entries[m.sig] = m
      cands[m.sig] = gated_best(P, cfg, w, m, now)
    end
    while #out - 1 < want do
      local best
      for _, c in pairs(cands) do
        if better(c, best) then best = c end
      end
      if not best then break end
      out[#out + 1] = assign(P, cfg, w, best, now)
      if #out - 1 < want then cands[best.sig] = gated_best(P, cfg, w, entries[best.sig], now) end
    end
  end
  if args[3] == '1' and want > 0 and #out - 1 < want then set_idle(P, w, now) end
  return out
end
