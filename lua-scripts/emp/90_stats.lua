-- emp_stats: a consistent read-only picture of one namespace for the api, router and monitor.

-- Live workers' capability documents, de-duplicated, plus counts by derived state.
local function worker_census(P, cfg, now)
  local census = { online = 0, stale = 0, left = 0, total = 0, slots = 0, busy = 0, pools = {} }
  local docs, seen = {}, {}
  local r = rcall('ZRANGE', P .. 'workers', 0, -1, 'WITHSCORES')
  for i = 1, #r, 2 do
    local key = worker_key(P, r[i])
    local f = rcall('HMGET', key, 'state', 'caps', 'slots', 'pool')
    census.total = census.total + 1
    if f[1] ~= 'active' then
      census.left = census.left + 1
    elseif now - tonumber(r[i + 1]) > cfg.worker_stale_ms then
      census.stale = census.stale + 1
    else
      census.online = census.online + 1
      census.slots = census.slots + (tonumber(f[3]) or 1)
      local pool = (f[4] and f[4] ~= '') and f[4] or 'none'
      local pc = census.pools[pool] or { online = 0, busy = 0 }
      census.pools[pool] = pc
      pc.online = pc.online + 1
      if rcall('SCARD', key .. ':jobs') > 0 then
        census.busy = census.busy + 1
        pc.busy = pc.busy + 1
      end
      if f[2] and not seen[f[2]] then
        seen[f[2]] = true
        docs[#docs + 1] = decode(f[2]) or {}
      end
    end
  end
  return census, docs
end

-- A histogram hash (hist_record) as {<le>|inf = n, count, sum (seconds)}. A hash written by an older
-- release also holds 'count' and a float 'sum'; both shapes add up.
local function histogram(m)
  local out = { count = 0, sum = (tonumber(m.sum) or 0) + (tonumber(m.sum_ms) or 0) / 1000 }
  for k, v in pairs(m) do
    if k ~= 'count' and k ~= 'sum' and k ~= 'sum_ms' then
      out[k] = tonumber(v)
      out.count = out.count + (tonumber(v) or 0)
    end
  end
  return out
end

local function queue_of(P, sig, docs, now, pol)
  local d = decode(rcall('HGET', P .. 'sigd', sig))
  if type(d) ~= 'table' then d = {} end
  local q = { sig = sig, service = d.s or '', pool = d.p or '', depth = 0, head_age_ms = 0, runnable = false }
  local heads = rcall('ZRANGE', heads_key(P, sig), 0, -1, 'WITHSCORES')
  local best_cust, best_score
  for i = 1, #heads, 2 do
    q.depth = q.depth + rcall('ZCARD', sub_key(P, sig, heads[i]))
    local s = tonumber(heads[i + 1])
    if not best_score or s < best_score then best_cust, best_score = heads[i], s end
  end
  if best_cust then
    local head = rcall('ZRANGE', sub_key(P, sig, best_cust), 0, 0)[1]
    local since = head and tonumber(rcall('ZSCORE', P .. 'idx:queued', head))
    if since then q.head_age_ms = now - since end
  end
  for _, caps in ipairs(docs) do
    if descriptor_matches(d, caps, pol) then
      q.runnable = true
      break
    end
  end
  return q
end

--[[
  emp_stats (no-writes) — counts, queues per signature, runnability, worker census.
  KEYS[1] P
  Returns {0, json}: {now, statuses{status: n}, counters{name: n}, oldest_queued_ms,
          queues[{sig, service, pool, depth, head_age_ms, runnable}], unrunnable_jobs,
          workers{online, stale, left, total, slots (of online workers), busy (online workers holding a job)},
          pools{name: {workers_online, workers_busy, wait{n, ewma_ms, p50_ms, p95_ms, last}, run{...},
          routed_own, routed_fallback, wait_hist{<le ms>|inf|count|sum: n}, run_hist{...}}},
          machines{online, stale, offline, stopped, phases{phase: n}}}
]]
local function stats(keys)
  local P = keys[1]
  local now = now_ms()
  local cfg = load_cfg(P, now)
  local out = { now = now, statuses = {}, counters = {}, queues = {}, unrunnable_jobs = 0, oldest_queued_ms = 0 }
  for _, st in ipairs(STATUSES) do
    out.statuses[st] = INDEXED[st] and rcall('ZCARD', P .. 'idx:' .. st) or 0
  end
  for _, id in ipairs(rcall('ZRANGE', P .. 'leases', 0, -1)) do
    local st = rcall('HGET', job_key(P, id), 'status')
    if st == 'assigned' or st == 'running' then out.statuses[st] = out.statuses[st] + 1 end
  end
  -- per-service counters ('completed:<svc>') also add up to their total ('completed')
  for name, v in pairs(to_map(rcall('HGETALL', P .. 'counters'))) do
    out.counters[name] = tonumber(v)
    local total = string.match(name, '^(%a+):')
    if total then out.counters[total] = (out.counters[total] or 0) + tonumber(v) end
  end
  local oldest = rcall('ZRANGE', P .. 'idx:queued', 0, 0, 'WITHSCORES')
  if oldest[1] then out.oldest_queued_ms = now - tonumber(oldest[2]) end
  local census, docs = worker_census(P, cfg, now)
  local by_pool = census.pools
  census.pools = nil
  out.workers = census
  -- the north star per pool: waits, run times, routing, live and busy workers
  local names = { none = true }
  for name in pairs(by_pool) do names[name] = true end
  if cfg.pol and type(cfg.pol.pools) == 'table' then
    for _, name in ipairs(cfg.pol.pools) do names[name] = true end
  end
  out.pools = {}
  for name in pairs(names) do
    local pc = by_pool[name] or { online = 0, busy = 0 }
    out.pools[name] = { workers_online = pc.online, workers_busy = pc.busy,
      wait = dur_summary(to_map(rcall('HGETALL', P .. 'waitpool:' .. name))),
      run = dur_summary(to_map(rcall('HGETALL', P .. 'runpool:' .. name))),
      routed_own = out.counters['routed_own:' .. name] or 0,
      routed_fallback = out.counters['routed_fallback:' .. name] or 0,
      wait_hist = histogram(to_map(rcall('HGETALL', P .. 'hist:wait:' .. name))),
      run_hist = histogram(to_map(rcall('HGETALL', P .. 'hist:run:' .. name))) }
  end
  -- machines by presence and phase
  out.machines = { online = 0, stale = 0, offline = 0, stopped = 0, phases = {} }
  local ms = rcall('ZRANGE', P .. 'machines', 0, -1, 'WITHSCORES')
  for i = 1, #ms, 2 do
    local h = rcall('HMGET', machine_key(P, ms[i]), 'phase', 'last_seen')
    local st = machine_presence(h[1], math.max(tonumber(ms[i + 1]) or 0, tonumber(h[2]) or 0), now, cfg)
    out.machines[st] = (out.machines[st] or 0) + 1
    local phase = (h[1] and h[1] ~= '') and h[1] or 'unsupervised'
    out.machines.phases[phase] = (out.machines.phases[phase] or 0) + 1
  end
  for _, sig in ipairs(rcall('SMEMBERS', P .. 'sigs')) do
    local q = queue_of(P, sig, docs, now, cfg.pol)
    out.queues[#out.queues + 1] = q
    if not q.runnable then out.unrunnable_jobs = out.unrunnable_jobs + q.depth end
  end
  return { OK, encode_with_arrays(out, { 'queues' }) }
end

-- Derived presence: left (deregistered), online, stale (missed heartbeats), offline (long gone).
local function presence(state, last_seen, now, cfg)
  if state ~= 'active' then return 'left' end
  local age = now - (tonumber(last_seen) or 0)
  if age <= cfg.worker_stale_ms then return 'online' end
  if age <= cfg.worker_offline_ms then return 'stale' end
  return 'offline'
end

--[[
  emp_workers (no-writes) — the worker registry with derived presence and held jobs.
  KEYS[1] P
  ARGV[1] machine id ('' = all machines)
  Returns {0, json}: [{id, machine, status, state, last_seen, registered_at, slots, lease_ms, pool,
          services[], jobs[], idle, capabilities{}}], sorted by id
]]
local function workers(keys, args)
  local P, machine = keys[1], args[1] or ''
  local now = now_ms()
  local cfg = load_cfg(P, now)
  local ids
  if machine ~= '' then
    ids = rcall('SMEMBERS', P .. 'machine:' .. machine .. ':workers')
  else
    ids = rcall('ZRANGE', P .. 'workers', 0, -1)
  end
  table.sort(ids)
  local out = {}
  for _, wid in ipairs(ids) do
    local key = worker_key(P, wid)
    local h = to_map(rcall('HGETALL', key))
    if h.machine then
      out[#out + 1] = {
        id = wid, machine = h.machine, state = h.state, status = presence(h.state, h.last_seen, now, cfg),
        last_seen = tonumber(h.last_seen), registered_at = tonumber(h.registered_at), slots = tonumber(h.slots),
        lease_ms = tonumber(h.lease_ms), pool = h.pool or '', services = split_csv(h.services),
        jobs = rcall('SMEMBERS', key .. ':jobs'), idle = h.idle == '1', capabilities = decode(h.caps) or {},
        connectors = decode(h.connectors or '') or {}
      }
    end
  end
  if #out == 0 then return { OK, '[]' } end
  return { OK, encode_with_arrays(out, { 'jobs', 'services' }) }
end

--[[
  emp_explain (no-writes) — which registered, live workers can run a job, and why the others cannot.
  KEYS[1] P
  ARGV[1] job id
  Returns {0, json}: {job, sig, service, pool, class, workers: [{id, machine, status, match (bool), reason, note}]}
          note: 'fallback from pool … after N ms' and/or 'cold: would download …' for a conditional match
  Errors  {-1} unknown job
]]
local function explain(keys, args)
  local P, id = keys[1], args[1]
  local f = rcall('HMGET', job_key(P, id), 'sig', 'service', 'pool', 'customer_id', 'workflow_id', 'class')
  if not f[1] then return err(E_NOT_FOUND, 'job', 'unknown job ' .. tostring(id)) end
  local now = now_ms()
  local cfg = load_cfg(P, now)
  local d = decode(rcall('HGET', P .. 'sigd', f[1]))
  if type(d) ~= 'table' then d = {} end
  local out = { job = id, sig = f[1], service = f[2], pool = f[3] or '', class = f[6] or '', workers = {} }
  local ids = rcall('ZRANGE', P .. 'workers', 0, -1)
  table.sort(ids)
  for _, wid in ipairs(ids) do
    local h = to_map(rcall('HGETALL', worker_key(P, wid)))
    local status = presence(h.state, h.last_seen, now, cfg)
    if h.machine and status ~= 'left' then
      local caps = decode(h.caps or '') or {}
      local reason, cold = descriptor_mismatch(d, caps)
      local note = ''
      if not reason then
        local rel, rule = pool_relation(cfg.pol, d.p, caps.pool or '')
        if not rel then
          reason = 'pool ' .. tostring(d.p) .. ' (worker: ' .. ((caps.pool and caps.pool ~= '') and caps.pool or 'none')
            .. ') and no fallback rule allows it'
        elseif rel == 'fallback' then
          note = 'fallback from pool ' .. d.p .. ' after ' .. fmt(tonumber(rule.after_ms) or 0) .. ' ms'
            .. (rule.when_no_live and ' (or at once when no ' .. d.p .. ' worker is live)' or '')
        end
        if cold and not reason then
          note = (note ~= '' and note .. '; ' or '') .. 'cold: would download ' .. table.concat(d.r.models or {}, ', ')
        end
      end
      if not reason and h.allow and h.allow ~= '' and not contains(decode(h.allow) or {}, f[4] or '') then
        reason = 'customer not in allowed_customers'
      end
      if not reason and h.deny and h.deny ~= '' and contains(decode(h.deny) or {}, f[4] or '') then
        reason = 'customer in denied_customers'
      end
      if not reason and h.wf and h.wf ~= '' and h.wf ~= f[5] then reason = 'restricted to workflow ' .. h.wf end
      out.workers[#out.workers + 1] = { id = wid, machine = h.machine or '', status = status, match = reason == nil,
        reason = reason or '', note = note }
    end
  end
  return { OK, encode_with_arrays(out, { 'workers' }) }
end

--[[
  emp_durations (no-writes) — the duration model (docs/pools-and-models.md#1-duration-model).
  KEYS[1] P
  Returns {0, json}: {class: {n, ewma_ms, p50_ms, p95_ms, last, gpus: {gpu_model: {n, ewma_ms, p50_ms, p95_ms, last}}}}
]]
local function durations(keys)
  local P = keys[1]
  local out = {}
  for _, class in ipairs(rcall('SMEMBERS', P .. 'dur:classes')) do
    local d = dur_summary(to_map(rcall('HGETALL', P .. 'dur:' .. class)))
    d.gpus = {}
    for _, gpu in ipairs(rcall('SMEMBERS', P .. 'dur:gpus:' .. class)) do
      d.gpus[gpu] = dur_summary(to_map(rcall('HGETALL', P .. 'dur:' .. class .. '@' .. gpu)))
    end
    out[class] = d
  end
  if next(out) == nil then return { OK, '{}' } end
  return { OK, cjson.encode(out) }
end

--[[
  emp_models (no-writes) — what the placement planner and the monitor need about models.
  KEYS[1] P
  ARGV[1] hours of demand history (1-192)
  Returns {0, json}: {now, catalog: {model: bytes}, machines: {id: {pool, status, inventory}},
          demand: {epoch hour: {model: {pool ('none' = no pool): submissions}}}}
]]
local function models(keys, args)
  local P = keys[1]
  local hours = tonumber(args[1]) or 24
  if not is_int(hours, 1, 192) then return err(E_INVALID, 'hours', 'must be an integer 1-192') end
  local now = now_ms()
  local cfg = load_cfg(P, now)
  local out = { now = now, catalog = {}, machines = {}, demand = {} }
  for name, bytes in pairs(to_map(rcall('HGETALL', P .. 'models'))) do out.catalog[name] = tonumber(bytes) end
  local ids = rcall('ZRANGE', P .. 'machines', 0, -1, 'WITHSCORES')
  for i = 1, #ids, 2 do
    local mid = ids[i]
    local h = rcall('HMGET', machine_key(P, mid), 'phase', 'pool', 'last_seen', 'doc')
    local last = math.max(tonumber(ids[i + 1]) or 0, tonumber(h[3]) or 0)
    local inv = decode(rcall('GET', P .. 'machine:' .. mid .. ':models') or '')
    if h[4] or inv then -- supervised machines only: they have a model manager
      out.machines[mid] = { pool = h[2] or '', status = machine_presence(h[1], last, now, cfg),
        inventory = inv or { models = {} } }
    end
  end
  local hour = math.floor(now / 3600000)
  for hr = hour - hours + 1, hour do
    local d = to_map(rcall('HGETALL', P .. 'demand:' .. fmt(hr)))
    if next(d) ~= nil then
      local t = {}
      for key, n in pairs(d) do
        local m, pool = string.match(key, '^(.*)|(.*)$')
        if not m then m, pool = key, '' end
        t[m] = t[m] or {}
        t[m][pool == '' and 'none' or pool] = tonumber(n)
      end
      out.demand[fmt(hr)] = t
    end
  end
  return { OK, cjson.encode(out) }
end

--[[
  emp_snapshot (no-writes) — everything a monitor shows, read atomically with the newest event id,
  so a client that applies the events after that id sees no gap and no transition twice.
  KEYS[1] P
  ARGV[1] jobs per active status (queued, delayed, assigned, running), 1-5000
  ARGV[2] jobs per finished status (completed, failed, cancelled), 1-5000
  Returns {0, newest event id ('' = empty stream), stats json, workers json, machines json, durations json,
           {id, {field, value, ...}}, ...} — jobs newest first per status
  Errors  {-5, field, message}
]]
local function snapshot(keys, args)
  local P = keys[1]
  local active, finished = tonumber(args[1]), tonumber(args[2])
  if not is_int(active, 1, 5000) then return err(E_INVALID, 'active', 'must be an integer 1-5000') end
  if not is_int(finished, 1, 5000) then return err(E_INVALID, 'finished', 'must be an integer 1-5000') end
  local newest = rcall('XREVRANGE', P .. 'events', '+', '-', 'COUNT', 1)[1]
  local out = { OK, newest and newest[1] or '', stats(keys)[2], workers(keys, { '' })[2], machines(keys, { '' })[2],
    durations(keys)[2] }
  for _, st in ipairs(STATUSES) do
    local limit = (st == 'completed' or st == 'failed' or st == 'cancelled') and finished or active
    for _, e in ipairs(page_of(P, st, nil, nil, limit, '', '')) do
      out[#out + 1] = { e.id, rcall('HGETALL', job_key(P, e.id)) }
    end
  end
  return out
end
