-- Queue mechanics shared by the entry points: job and worker loading, signature buckets and their
-- heads, idle/wake dispatch, and the common transitions (enqueue, finish, failed attempt, loss).

local J_FIELDS = { 'status', 'service', 'sig', 'customer_id', 'score', 'worker', 'token', 'max_attempts',
  'failures', 'workflow_id', 'idem', 'cancel_requested', 'deadline', 'assigned_at', 'backoff_base_ms',
  'backoff_factor', 'backoff_cap_ms', 'timeout_s', 'pool' }

local function load_job(P, id)
  local f = rcall('HMGET', job_key(P, id), unpack(J_FIELDS))
  if not f[1] then return nil end
  local j = { id = id }
  for i, name in ipairs(J_FIELDS) do
    if f[i] then j[name] = f[i] end
  end
  return j
end

local W_FIELDS = { 'state', 'slots', 'lease_ms', 'services', 'allow', 'deny', 'wf', 'idle', 'machine', 'woken', 'pool' }

-- Loads an active worker (nil when unknown or departed). Capabilities are decoded lazily.
local function load_worker(P, wid)
  local key = worker_key(P, wid)
  local f = rcall('HMGET', key, unpack(W_FIELDS))
  if f[1] ~= 'active' then return nil end
  local w = { id = wid, key = key, slots = tonumber(f[2]) or 1, lease_ms = tonumber(f[3]) or 15000,
    services = split_csv(f[4]), idle = f[8] == '1', machine = f[9] or '', woken = f[10] == '1', pool = f[11] or '' }
  if f[7] and f[7] ~= '' then w.wf = f[7] end
  if f[5] and f[5] ~= '' then w.allow = decode(f[5]) end
  if f[6] and f[6] ~= '' then
    w.deny = decode(f[6]) or {}
    w.deny_set = {}
    for _, c in ipairs(w.deny) do w.deny_set[c] = true end
  end
  return w
end

local function accepts_customer(w, cust)
  if w.allow and not contains(w.allow, cust) then return false end
  if w.deny_set and w.deny_set[cust] then return false end
  return true
end

-- The match cache value of a signature for a worker: '0' no match; otherwise a flag and the
-- signature's pool: '1' matches and needs no model, 'w' needs models the worker lists (warm), 'c' needs
-- models the worker would download (cold: affinity decides at claim time). The pool is not part of
-- the match: the pool relation depends on the policy and the job's wait (docs/pools-and-models.md).
local function compute_match(P, w, sig)
  local d = decode(rcall('HGET', P .. 'sigd', sig))
  if type(d) ~= 'table' then return '0' end
  if not w.caps then w.caps = decode(rcall('HGET', w.key, 'caps')) or {} end
  local reason, cold = descriptor_mismatch(d, w.caps)
  if reason then return '0' end
  local needs = type(d.r) == 'table' and d.r.models ~= nil
  return (cold and 'c' or (needs and 'w' or '1')) .. (d.p or '')
end

-- Signatures (of the given list) this worker matches, through its match cache:
-- {sig, pool, flag} entries (flag '1' | 'w' | 'c', see compute_match).
local function matching_sigs(P, w, sigs)
  local out = {}
  local mk = w.key .. ':mc'
  for from = 1, #sigs, 500 do
    local chunk = { unpack(sigs, from, math.min(from + 499, #sigs)) }
    local cached = rcall('HMGET', mk, unpack(chunk))
    for i, sig in ipairs(chunk) do
      local v = cached[i]
      if not v or v == '' then
        v = compute_match(P, w, sig)
        rcall('HSET', mk, sig, v)
      end
      local flag = string.sub(v, 1, 1)
      if flag ~= '0' then out[#out + 1] = { sig = sig, flag = flag, pool = string.sub(v, 2) } end
    end
  end
  return out
end

-- Whether a worker should be woken for a new job of this signature: it matches, the job is of its
-- own pool (or has none) and it needs no download. Fallback and cold claims happen on the worker's
-- own schedule, once the job has waited (docs/pools-and-models.md).
local function wake_match(P, cfg, w, sig)
  local m = matching_sigs(P, w, { sig })[1]
  if not m or m.flag == 'c' then return false end
  return pool_relation(cfg.pol, m.pool, w.pool) == 'own'
end

-- Buckets: one ZSET per (signature, customer); the heads ZSET keeps each sub-bucket's best score and
-- the 'sigs' set lists signatures with at least one queued job.
-- Queued jobs per customer ('-' = none), for the per-customer queue cap; never below 0.
local function customer_queued(P, cust, delta)
  local n = rcall('HINCRBY', P .. 'custq', cust == '' and '-' or cust, delta)
  if n < 0 then rcall('HSET', P .. 'custq', cust == '' and '-' or cust, '0') end
end

local function bucket_add(P, id, sig, cust, score)
  if rcall('ZADD', sub_key(P, sig, cust), score, id) == 1 then customer_queued(P, cust, 1) end
  if rcall('ZADD', heads_key(P, sig), 'LT', score, cust) == 1 then rcall('SADD', P .. 'sigs', sig) end
end

local function refresh_head(P, sig, cust)
  local h = heads_key(P, sig)
  local top = rcall('ZRANGE', sub_key(P, sig, cust), 0, 0, 'WITHSCORES')
  if top[1] then
    rcall('ZADD', h, 'XX', top[2], cust)
  else
    rcall('ZREM', h, cust)
    if rcall('ZCARD', h) == 0 then rcall('SREM', P .. 'sigs', sig) end
  end
end

local function bucket_remove(P, id, sig, cust)
  if rcall('ZREM', sub_key(P, sig, cust), id) == 1 then
    customer_queued(P, cust, -1)
    refresh_head(P, sig, cust)
  end
end

-- Leaves the idle sets; woken = the worker is being woken (a token is pushed to its wake list).
local function clear_idle(P, w, woken)
  if w.idle then
    for _, s in ipairs(w.services) do rcall('ZREM', P .. 'idle:' .. s, w.id) end
  end
  if w.idle or w.woken ~= woken then
    rcall('HSET', w.key, 'idle', '0', 'woken', woken and '1' or '0')
  end
  w.idle = false
  w.woken = woken
end

local function set_idle(P, w, now)
  for _, s in ipairs(w.services) do rcall('ZADD', P .. 'idle:' .. s, fmt(now), w.id) end
  rcall('HSET', w.key, 'idle', '1')
  w.idle = true
end

-- Pushes one wake token to the longest-idle live worker that can run a job of this signature.
local function wake_one(P, cfg, service, sig, cust, wf, now)
  local key = P .. 'idle:' .. service
  for _, wid in ipairs(rcall('ZRANGE', key, 0, cfg.wake_candidates - 1)) do
    local w = load_worker(P, wid)
    local seen = w and tonumber(rcall('ZSCORE', P .. 'workers', wid))
    if not w or not w.idle or not seen or now - seen > cfg.worker_stale_ms then
      rcall('ZREM', key, wid)
    elseif (not w.wf or w.wf == wf) and accepts_customer(w, cust) and wake_match(P, cfg, w, sig) then
      clear_idle(P, w, true)
      rcall('RPUSH', w.key .. ':wake', '1')
      return true
    end
  end
  return false
end

local function detach(P, id, wid)
  rcall('ZREM', P .. 'leases', id)
  if wid and wid ~= '' then rcall('SREM', worker_key(P, wid) .. ':jobs', id) end
end

-- Puts a job (back) in its bucket with its original score and tells an idle worker.
local function enqueue(P, cfg, j, now, reason, wake)
  local jk = job_key(P, j.id)
  rcall('HSET', jk, 'status', 'queued')
  rcall('HDEL', jk, 'worker', 'token', 'lease_until', 'grace_until', 'deadline', 'delayed_until', 'assigned_at',
    'started_at', 'cancel_requested', 'progress', 'message')
  local cust = j.customer_id or ''
  bucket_add(P, j.id, j.sig, cust, j.score)
  set_status_index(P, j.id, j.status, 'queued', now)
  emit(P, cfg, 'job.queued', 'job', j.id, 'status', 'queued', 'prev', j.status, 'service', j.service,
    'reason', reason)
  if wake then wake_one(P, cfg, j.service, j.sig, cust, j.workflow_id, now) end
end

-- Moves a job to a terminal status: detaches it, sets the retention TTLs. A finished job keeps its
-- last token and lease fields for the record; fenced calls check the status first.
local function finish(P, cfg, j, status, now, ...)
  local jk = job_key(P, j.id)
  rcall('HSET', jk, 'status', status, 'finished_at', fmt(now), ...)
  detach(P, j.id, j.worker)
  set_status_index(P, j.id, j.status, status, now)
  local ttl = fmt(status == 'completed' and cfg.retention_completed_ms or cfg.retention_failed_ms)
  rcall('PEXPIRE', jk, ttl)
  rcall('PEXPIRE', jk .. ':p', ttl)
  if j.has_result then rcall('PEXPIRE', jk .. ':r', ttl) end
  if j.idem then rcall('PEXPIRE', P .. 'idem:' .. j.idem, ttl) end
end

local function cancel_now(P, cfg, j, now)
  finish(P, cfg, j, 'cancelled', now)
  count(P, 'cancelled:' .. job_kind(j.service, j.pool))
  emit(P, cfg, 'job.cancelled', 'job', j.id, 'status', 'cancelled', 'prev', j.status, 'service', j.service,
    'worker', j.worker or '')
end

local function fail_final(P, cfg, j, now, reason, error_text)
  finish(P, cfg, j, 'failed', now, 'fail_reason', reason, 'error', error_text)
  count(P, 'failed:' .. job_kind(j.service, j.pool))
  emit(P, cfg, 'job.failed', 'job', j.id, 'status', 'failed', 'prev', j.status, 'service', j.service,
    'worker', j.worker or '', 'reason', reason, 'error', error_text)
end

-- A failed attempt: retried with exponential backoff while attempts remain, else failed.
-- Returns the new status and the due time of the retry (or nil).
local MAX_RETRY_AFTER_MS = 3600000

local function fail_attempt(P, cfg, j, now, error_text, retryable, reason, min_delay)
  local jk = job_key(P, j.id)
  local failures = rcall('HINCRBY', jk, 'failures', 1)
  local max_attempts = tonumber(j.max_attempts) or cfg.max_attempts_default
  rcall('HSET', jk, 'loss_streak', '0', 'last_worker', j.worker or '', 'error', error_text)
  if not retryable or failures >= max_attempts then
    fail_final(P, cfg, j, now, reason or (retryable and 'max_attempts' or 'not_retryable'), error_text)
    return 'failed', nil
  end
  local base = tonumber(j.backoff_base_ms) or cfg.backoff_base_ms
  local factor = tonumber(j.backoff_factor) or cfg.backoff_factor
  local cap = tonumber(j.backoff_cap_ms) or cfg.backoff_cap_ms
  local delay = math.min(cap, base * factor ^ (failures - 1))
  if min_delay and min_delay > delay then delay = math.min(min_delay, MAX_RETRY_AFTER_MS) end
  local due = now + math.floor(delay)
  detach(P, j.id, j.worker)
  rcall('HSET', jk, 'status', 'delayed', 'delayed_until', fmt(due), 'avoid_worker', j.worker or '',
    'avoid_until', fmt(now + cfg.retry_avoid_ms))
  rcall('HDEL', jk, 'worker', 'token', 'lease_until', 'grace_until', 'deadline', 'assigned_at', 'started_at', 'progress',
    'message')
  rcall('ZADD', P .. 'delayed', fmt(due), j.id)
  set_status_index(P, j.id, j.status, 'delayed', now)
  emit(P, cfg, 'job.retry_scheduled', 'job', j.id, 'status', 'delayed', 'prev', j.status, 'service', j.service,
    'worker', j.worker or '', 'attempt', tostring(failures), 'error', error_text, 'due', fmt(due))
  return 'delayed', due
end

-- Takes a held job away from its worker without a verdict on the job: a loss (machine gone, process
-- restarted; counts towards poison) or a release (graceful shutdown, orphan; counts nothing).
-- Returns 'queued', 'cancelled' or 'poisoned'.
local function requeue_held(P, cfg, j, now, reason, is_loss)
  local jk = job_key(P, j.id)
  detach(P, j.id, j.worker)
  if j.cancel_requested == '1' then
    cancel_now(P, cfg, j, now)
    return 'cancelled'
  end
  rcall('HSET', jk, 'last_worker', j.worker or '')
  if is_loss then
    rcall('HINCRBY', jk, 'losses', 1)
    local streak = rcall('HINCRBY', jk, 'loss_streak', 1)
    count(P, 'lost')
    if streak >= cfg.poison_losses then
      count(P, 'poisoned')
      fail_final(P, cfg, j, now, 'poison', 'lost with its worker ' .. streak .. ' times in a row')
      return 'poisoned'
    end
  else
    count(P, 'released')
  end
  enqueue(P, cfg, j, now, reason, true)
  return 'queued'
end

-- Due delayed jobs -> queued. wake=false inside claim: the claiming worker is about to look anyway.
local function promote_due(P, cfg, now, limit, wake)
  local due = rcall('ZRANGEBYSCORE', P .. 'delayed', '-inf', fmt(now), 'LIMIT', 0, limit)
  for _, id in ipairs(due) do
    rcall('ZREM', P .. 'delayed', id)
    local j = load_job(P, id)
    if j and j.status == 'delayed' then enqueue(P, cfg, j, now, 'promoted', wake) end
  end
  return #due
end

-- Duration statistics (docs/pools-and-models.md#1-duration-model): a hash per class with n, ewma,
-- last and a log histogram b0..b79 (bin i >= 1 holds [2^((i-1)/3), 2^(i/3)) ms). Counts are halved
-- once n passes 2000, so the figures follow the recent past.
local DUR_BINS = 80
local LOG2 = 0.69314718055994530942 -- ln 2 (no library calls at load time)

local function dur_bin(ms)
  if ms <= 1 then return 0 end
  local b = 1 + math.floor(math.log(ms) / LOG2 * 3)
  if b > DUR_BINS - 1 then b = DUR_BINS - 1 end
  return b
end

local function dur_rep(b)
  if b == 0 then return 1 end
  return math.floor(math.sqrt(2 ^ ((b - 1) / 3) * 2 ^ (b / 3)) + 0.5)
end

-- The q-quantile (0-1) of a duration hash's histogram in ms, nil when empty.
local function dur_percentile(h, q)
  local total = 0
  for i = 0, DUR_BINS - 1 do total = total + (tonumber(h['b' .. i]) or 0) end
  if total <= 0 then return nil end
  local rank = math.max(1, math.ceil(q * total))
  local seen = 0
  for i = 0, DUR_BINS - 1 do
    seen = seen + (tonumber(h['b' .. i]) or 0)
    if seen >= rank then return dur_rep(i) end
  end
  return dur_rep(DUR_BINS - 1)
end

local function dur_record(key, ms, now)
  local prev = rcall('HMGET', key, 'n', 'ewma')
  local n = (tonumber(prev[1]) or 0) + 1
  local ewma = tonumber(prev[2])
  ewma = ewma and (0.8 * ewma + 0.2 * ms) or ms
  rcall('HINCRBY', key, 'b' .. dur_bin(ms), 1)
  rcall('HSET', key, 'n', fmt(n), 'ewma', string.format('%.1f', ewma), 'last', fmt(now))
  if n > 2000 then
    local h = to_map(rcall('HGETALL', key))
    local total = 0
    for i = 0, DUR_BINS - 1 do
      local v = tonumber(h['b' .. i])
      if v then
        local half = math.floor(v / 2)
        total = total + half
        if half > 0 then rcall('HSET', key, 'b' .. i, fmt(half)) else rcall('HDEL', key, 'b' .. i) end
      end
    end
    rcall('HSET', key, 'n', fmt(total))
  end
end

-- The summary of a duration hash: {n, ewma_ms, p50_ms, p95_ms, last}.
local function dur_summary(h)
  return { n = tonumber(h.n) or 0, ewma_ms = tonumber(h.ewma), p50_ms = dur_percentile(h, 0.5),
    p95_ms = dur_percentile(h, 0.95), last = tonumber(h.last) }
end
