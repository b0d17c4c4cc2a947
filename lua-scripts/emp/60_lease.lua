-- Fenced operations on a held job (progress, complete, fail, release), heartbeat and the reaper.

-- The job if this worker holds it with this token; otherwise nil and the error reply.
local function held_job(P, id, wid, token)
  local j = load_job(P, id)
  if not j then return nil, err(E_NOT_FOUND, 'job', 'unknown job ' .. tostring(id)) end
  if j.worker == wid and j.token == token and (j.status == 'assigned' or j.status == 'running') then
    return j
  end
  if rcall('EXISTS', worker_key(P, wid)) == 0 then
    return nil, err(E_UNKNOWN_WORKER, 'worker', 'unknown worker ' .. tostring(wid))
  end
  count(P, 'fenced')
  return nil, err(E_FENCED, 'token', 'job ' .. id .. ' is not held by ' .. wid .. ' with this token (status '
    .. j.status .. ')')
end

--[[
  emp_progress — report progress; the first report moves assigned -> running.
  KEYS[1] P
  ARGV[1] job id   ARGV[2] worker id   ARGV[3] fencing token
  ARGV[4] progress 0-100   ARGV[5] message ('' = none, truncated to 1024 bytes)
  Returns {0, cancel_requested (0|1)}
  Errors  {-1} unknown job, {-2} unknown worker, {-3} fenced, {-5} bad progress
]]
local function progress(keys, args)
  local P = keys[1]
  local pct = tonumber(args[4])
  if not pct or pct < 0 or pct > 100 then return err(E_INVALID, 'progress', 'must be a number 0-100') end
  local j, e = held_job(P, args[1], args[2], args[3])
  if not j then return e end
  local now = now_ms()
  local cfg = load_cfg(P, now)
  local jk = job_key(P, j.id)
  local message = string.sub(args[5] or '', 1, 1024)
  local fields = { 'progress', string.format('%.4g', pct) }
  if message ~= '' then fields[3] = 'message'; fields[4] = message end
  if j.status == 'assigned' then
    rcall('HSET', jk, 'status', 'running', 'started_at', fmt(now), unpack(fields))
    emit(P, cfg, 'job.running', 'job', j.id, 'status', 'running', 'prev', 'assigned', 'service', j.service,
      'worker', j.worker, 'progress', fields[2], 'message', message)
  else
    rcall('HSET', jk, unpack(fields))
    emit(P, cfg, 'job.progress', 'job', j.id, 'status', 'running', 'service', j.service, 'worker', j.worker,
      'progress', fields[2], 'message', message)
  end
  return { OK, j.cancel_requested == '1' and 1 or 0 }
end

--[[
  emp_complete — record the result of a held job.
  KEYS[1] P
  ARGV[1] job id   ARGV[2] worker id   ARGV[3] fencing token   ARGV[4] result JSON ('' = none)
  Returns {0}
  Errors  {-1} unknown job, {-2} unknown worker, {-3} fenced
]]
local function complete(keys, args)
  local P = keys[1]
  local j, e = held_job(P, args[1], args[2], args[3])
  if not j then return e end
  local now = now_ms()
  local cfg = load_cfg(P, now)
  local jk = job_key(P, j.id)
  if args[4] and args[4] ~= '' then
    rcall('SET', jk .. ':r', args[4])
    j.has_result = true
  end
  -- run time into the duration model: per class, per class and GPU model, per pool
  local f = rcall('HMGET', jk, 'class', 'started_at', 'assigned_at', 'pool')
  local from = tonumber(f[2]) or tonumber(f[3])
  if from then
    local ms = math.max(0, now - from)
    local class = f[1] or (j.service .. '::')
    rcall('SADD', P .. 'dur:classes', class)
    dur_record(P .. 'dur:' .. class, ms, now)
    local gpu = rcall('HGET', worker_key(P, j.worker), 'gpu')
    if gpu and gpu ~= '' then
      rcall('SADD', P .. 'dur:gpus:' .. class, gpu)
      dur_record(P .. 'dur:' .. class .. '@' .. gpu, ms, now)
    end
    dur_record(P .. 'runpool:' .. ((f[4] and f[4] ~= '') and f[4] or 'none'), ms, now)
    hist_record(P, 'run', f[4], ms)
  end
  finish(P, cfg, j, 'completed', now, 'progress', '100')
  count(P, 'completed:' .. job_kind(j.service, j.pool))
  emit(P, cfg, 'job.completed', 'job', j.id, 'status', 'completed', 'prev', j.status, 'service', j.service,
    'worker', j.worker)
  return { OK }
end

--[[
  emp_fail — a held job's attempt failed. Cancel requested -> cancelled; retryable with attempts
  left -> delayed (exponential backoff, failing worker avoided); otherwise failed.
  KEYS[1] P
  ARGV[1] job id   ARGV[2] worker id   ARGV[3] fencing token
  ARGV[4] error text (truncated to 4096 bytes)   ARGV[5] retryable '1' | '0'
  ARGV[6] reason recorded when this ends the job ('' = max_attempts / not_retryable; e.g. 'timeout')
  ARGV[7] minimum retry delay in ms ('' = none): the backend's Retry-After, honoured up to one hour
  Returns {0, new status, due ms of the retry or ''}
  Errors  {-1} unknown job, {-2} unknown worker, {-3} fenced
]]
local function fail(keys, args)
  local P = keys[1]
  local j, e = held_job(P, args[1], args[2], args[3])
  if not j then return e end
  local now = now_ms()
  local cfg = load_cfg(P, now)
  if j.cancel_requested == '1' then
    cancel_now(P, cfg, j, now)
    return { OK, 'cancelled', '' }
  end
  local text = string.sub(args[4] or '', 1, 4096)
  if text == '' then text = 'unspecified error' end
  local reason = args[6]
  if reason == '' or reason == nil or not valid_name(reason, 32) then reason = nil end
  local status, due = fail_attempt(P, cfg, j, now, text, args[5] ~= '0', reason, tonumber(args[7]))
  return { OK, status, due and fmt(due) or '' }
end

--[[
  emp_release — give a held job back to the queue without burning an attempt (graceful shutdown).
  KEYS[1] P
  ARGV[1] job id   ARGV[2] worker id   ARGV[3] fencing token   ARGV[4] reason ('' = 'released')
  Returns {0, new status ('queued' | 'cancelled')}
  Errors  {-1} unknown job, {-2} unknown worker, {-3} fenced
]]
local function release(keys, args)
  local P = keys[1]
  local j, e = held_job(P, args[1], args[2], args[3])
  if not j then return e end
  local reason = (args[4] and args[4] ~= '') and string.sub(args[4], 1, 64) or 'released'
  local now = now_ms()
  return { OK, requeue_held(P, load_cfg(P, now), j, now, reason, false) }
end

-- Renews one held job's lease, never past its deadline.
local function renew(P, j, w, now)
  local lease_until = now + w.lease_ms
  local deadline = tonumber(j.deadline)
  if deadline and deadline < lease_until then lease_until = deadline end
  rcall('HSET', job_key(P, j.id), 'lease_until', fmt(lease_until))
  rcall('ZADD', P .. 'leases', 'XX', fmt(lease_until), j.id)
end

--[[
  emp_heartbeat — presence plus every lease of the worker in one call.
  KEYS[1] P
  ARGV[1] worker id
  ARGV[2..] '*' = renew all held jobs, or pairs job id, token of the jobs the worker is running
  Returns {0, {job ids with a cancel request}, {id, token, ... of listed jobs no longer held: abort them},
           lease_until}
  Errors  {-2, 'worker', message}
]]
local function heartbeat(keys, args)
  local P, wid = keys[1], args[1]
  local w = load_worker(P, wid)
  if not w then return err(E_UNKNOWN_WORKER, 'worker', 'unknown or departed worker ' .. tostring(wid)) end
  local now = now_ms()
  rcall('ZADD', P .. 'workers', fmt(now), wid)
  rcall('HSET', w.key, 'last_seen', fmt(now))
  if w.machine ~= '' then rcall('ZADD', P .. 'machines', fmt(now), w.machine) end
  if w.pool ~= '' then rcall('ZADD', P .. 'pool:' .. w.pool .. ':workers', fmt(now), wid) end
  local all = args[2] == '*'
  local listed = {}
  if not all then
    for i = 2, #args - 1, 2 do listed[args[i]] = args[i + 1] end
  end
  local cancels, renewed, cfg = {}, {}, nil
  for _, id in ipairs(rcall('SMEMBERS', w.key .. ':jobs')) do
    local j = load_job(P, id)
    if not (j and j.worker == wid and (j.status == 'assigned' or j.status == 'running')) then
      detach(P, id, wid)
    elseif all or listed[id] == j.token then
      renew(P, j, w, now)
      renewed[id] = j.token
      if j.cancel_requested == '1' then cancels[#cancels + 1] = id end
    elseif listed[id] == nil and now - (tonumber(j.assigned_at) or now) > w.lease_ms then
      -- Held here but unknown to the worker: the claim reply never arrived. Give it back.
      cfg = cfg or load_cfg(P, now)
      requeue_held(P, cfg, j, now, 'orphaned', false)
    end
  end
  local lost = {}
  for i = 2, #args - 1, 2 do
    if not all and renewed[args[i]] ~= args[i + 1] then
      lost[#lost + 1] = args[i]
      lost[#lost + 1] = args[i + 1]
    end
  end
  return { OK, cancels, lost, fmt(now + w.lease_ms) }
end

--[[
  emp_reap — act on expired leases, then promote due delayed jobs.
  KEYS[1] P
  ARGV[1] max leases to process ('' = 1000)
  ARGV[2] silence_ms ('' or 0 = off): outage grace. When the reaper itself has not run for this long
          (Redis was unreachable, stopped or restarting — or every router was down), or no worker at all
          has been seen for this long (the fleet was cut off from Redis), a lease that would be requeued
          as lost is extended once by its worker's lease instead (grace_until marks it). A reaper gap
          opens a grace window of silence_ms (P grace_window) so that a large backlog handled over
          several calls is treated alike.
  Returns {0, requeued, poisoned, cancelled, timed_out, promoted, extended}
]]
local function reap(keys, args)
  local P = keys[1]
  local now = now_ms()
  local cfg = load_cfg(P, now)
  local max = tonumber(args[1]) or 1000
  local silence_ms = tonumber(args[2]) or 0
  local tally = { queued = 0, poisoned = 0, cancelled = 0, timeout = 0, extended = 0 }
  local silent = nil -- decided on the first lease that needs it
  if silence_ms > 0 then
    local last = tonumber(rcall('GET', P .. 'reaped_at'))
    rcall('SET', P .. 'reaped_at', fmt(now))
    if last and now - last > silence_ms then
      rcall('SET', P .. 'grace_window', fmt(now + silence_ms), 'PX', silence_ms)
      silent = true
    elseif rcall('EXISTS', P .. 'grace_window') == 1 then
      silent = true
    end
  end
  for _, id in ipairs(rcall('ZRANGEBYSCORE', P .. 'leases', '-inf', fmt(now), 'LIMIT', 0, max)) do
    local j = load_job(P, id)
    if not j or (j.status ~= 'assigned' and j.status ~= 'running') then
      detach(P, id, j and j.worker)
    elseif j.cancel_requested ~= '1' and tonumber(j.deadline) and now >= tonumber(j.deadline) then
      count(P, 'timeouts')
      fail_attempt(P, cfg, j, now, 'timed out after ' .. (j.timeout_s or '?') .. ' s', true, 'timeout')
      tally.timeout = tally.timeout + 1
    else
      local w = nil
      if silence_ms > 0 and j.cancel_requested ~= '1' and j.worker and j.worker ~= '' then
        if silent == nil then
          local newest = rcall('ZREVRANGE', P .. 'workers', 0, 0, 'WITHSCORES')
          silent = not newest[2] or now - tonumber(newest[2]) > silence_ms
        end
        if silent then
          local lease = rcall('HMGET', job_key(P, id), 'lease_until', 'grace_until')
          if lease[1] ~= lease[2] then w = load_worker(P, j.worker) end -- not extended once already
        end
      end
      if w then
        local lease_until = now + w.lease_ms
        local deadline = tonumber(j.deadline)
        if deadline and deadline < lease_until then lease_until = deadline end
        rcall('HSET', job_key(P, id), 'lease_until', fmt(lease_until), 'grace_until', fmt(lease_until))
        rcall('ZADD', P .. 'leases', 'XX', fmt(lease_until), id)
        count(P, 'leases_extended')
        tally.extended = tally.extended + 1
      else
        local outcome = requeue_held(P, cfg, j, now, 'lost', true)
        tally[outcome] = tally[outcome] + 1
      end
    end
  end
  local promoted = promote_due(P, cfg, now, max, true)
  return { OK, tally.queued, tally.poisoned, tally.cancelled, tally.timeout, promoted, tally.extended }
end
