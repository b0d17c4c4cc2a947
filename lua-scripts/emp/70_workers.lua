-- Worker registry: registration (with recovery of a previous incarnation's jobs) and departure.

-- Requeues every job still held under a worker id. is_loss: the holder died (counts towards poison).
local function requeue_all_held(P, cfg, wid, now, reason, is_loss)
  local n = 0
  for _, id in ipairs(rcall('SMEMBERS', worker_key(P, wid) .. ':jobs')) do
    local j = load_job(P, id)
    if j and j.worker == wid and (j.status == 'assigned' or j.status == 'running') then
      requeue_held(P, cfg, j, now, reason, is_loss)
      n = n + 1
    else
      detach(P, id, wid)
    end
  end
  return n
end

-- Leaves every idle set the worker may be in (using the services it registered with).
local function leave_idle(P, wid)
  local f = rcall('HMGET', worker_key(P, wid), 'services', 'idle')
  if f[2] == '1' then
    for _, s in ipairs(split_csv(f[1])) do rcall('ZREM', P .. 'idle:' .. s, wid) end
  end
end

-- Model names a capability document lists (flat or per service; "all" lists none).
local function caps_models(caps)
  local names, seen = {}, {}
  local function add(list)
    if type(list) ~= 'table' then return end
    for _, m in ipairs(list) do
      if type(m) == 'string' and not seen[m] then
        seen[m] = true
        names[#names + 1] = m
      end
    end
  end
  local m = caps.models
  if type(m) == 'table' then
    if #m > 0 then add(m) else for _, list in pairs(m) do add(list) end end
  end
  return names
end

-- Keeps the pool and model indexes of a worker in step with its capabilities (nil caps: it left).
local function index_worker(P, key, wid, caps, now)
  local old = rcall('HMGET', key, 'pool', 'mods')
  if old[1] and old[1] ~= '' then rcall('ZREM', P .. 'pool:' .. old[1] .. ':workers', wid) end
  for _, m in ipairs(split_csv(old[2])) do rcall('SREM', P .. 'modelw:' .. m, wid) end
  if not caps then
    rcall('HSET', key, 'mods', '')
    return
  end
  if caps.pool and caps.pool ~= '' then rcall('ZADD', P .. 'pool:' .. caps.pool .. ':workers', fmt(now), wid) end
  local mods = caps_models(caps)
  for _, m in ipairs(mods) do rcall('SADD', P .. 'modelw:' .. m, wid) end
  local hw = type(caps.hardware) == 'table' and caps.hardware or {}
  rcall('HSET', key, 'mods', table.concat(mods, ','), 'gpu', type(hw.gpu_model) == 'string' and hw.gpu_model or '')
end

--[[
  emp_register_worker — register (or re-register) a worker and its capability document.
  KEYS[1] P
  ARGV[1] worker id ([A-Za-z0-9_.:-], <= 128)   ARGV[2] machine id (same alphabet)
  ARGV[3] capabilities JSON (docs/matching.md)   ARGV[4] slots 1-256
  ARGV[5] lease ms 100-3600000 ('' = namespace default)
  Returns {0, registered_at, released}: released = jobs of a previous incarnation, requeued as lost
  Errors  {-5, field, message}: nothing written
]]
local function register_worker(keys, args)
  local P, wid, machine = keys[1], args[1], args[2]
  if not valid_name(wid, 128) then return err(E_INVALID, 'worker_id', 'must be 1-128 characters of [A-Za-z0-9_.:-]') end
  if not valid_name(machine, 128) then return err(E_INVALID, 'machine_id', 'must be 1-128 characters of [A-Za-z0-9_.:-]') end
  local caps, bad, why = decode_caps(args[3])
  if not caps then return err(E_INVALID, bad, why) end
  local slots = tonumber(args[4])
  if not is_int(slots, 1, 256) then return err(E_INVALID, 'slots', 'must be an integer 1-256') end
  local now = now_ms()
  local cfg = load_cfg(P, now)
  local lease_ms = cfg.lease_ms
  if args[5] and args[5] ~= '' then
    lease_ms = tonumber(args[5])
    if not is_int(lease_ms, 100, 3600000) then return err(E_INVALID, 'lease_ms', 'must be an integer 100-3600000') end
  end
  local key = worker_key(P, wid)
  local released = requeue_all_held(P, cfg, wid, now, 'worker_restarted', true)
  leave_idle(P, wid)
  rcall('DEL', key .. ':mc', key .. ':match', key .. ':wake', key .. ':ctl')
  index_worker(P, key, wid, caps, now)
  local ca = type(caps.customer_access) == 'table' and caps.customer_access or {}
  rcall('HSET', key, 'machine', machine, 'caps', args[3], 'services', table.concat(caps.services, ','),
    'slots', fmt(slots), 'lease_ms', fmt(lease_ms), 'pool', caps.pool or '',
    'allow', ca.allowed_customers and cjson.encode(ca.allowed_customers) or '',
    'deny', ca.denied_customers and cjson.encode(ca.denied_customers) or '',
    'wf', caps.workflow_id or '', 'state', 'active', 'idle', '0', 'registered_at', fmt(now), 'last_seen', fmt(now))
  rcall('HDEL', key, 'left_at')
  rcall('ZADD', P .. 'workers', fmt(now), wid)
  rcall('ZADD', P .. 'machines', fmt(now), machine)
  rcall('SADD', P .. 'machine:' .. machine .. ':workers', wid)
  emit(P, cfg, 'worker.registered', 'worker', wid, 'machine', machine, 'released', tostring(released))
  return { OK, fmt(now), released }
end

--[[
  emp_deregister — a worker leaves gracefully: its remaining jobs go back to the queue untouched.
  KEYS[1] P
  ARGV[1] worker id
  Returns {0, released}
  Errors  {-2, 'worker', message}
]]
local function deregister(keys, args)
  local P, wid = keys[1], args[1]
  local key = worker_key(P, wid)
  local f = rcall('HMGET', key, 'state', 'machine')
  if f[1] ~= 'active' then return err(E_UNKNOWN_WORKER, 'worker', 'unknown or departed worker ' .. tostring(wid)) end
  local now = now_ms()
  local cfg = load_cfg(P, now)
  local released = requeue_all_held(P, cfg, wid, now, 'released', false)
  leave_idle(P, wid)
  rcall('DEL', key .. ':mc', key .. ':wake')
  index_worker(P, key, wid, nil, now)
  rcall('HSET', key, 'state', 'left', 'idle', '0', 'left_at', fmt(now), 'last_seen', fmt(now))
  rcall('ZADD', P .. 'workers', fmt(now), wid)
  emit(P, cfg, 'worker.left', 'worker', wid, 'machine', f[2] or '', 'released', tostring(released))
  return { OK, released }
end

--[[
  emp_update_worker — replace a registered worker's capability document without touching its jobs
  (a backend went down or came back: its service is withdrawn or restored), and record its
  connectors' status. Clears the worker's match cache and idle marks; the next claim recomputes.
  KEYS[1] P
  ARGV[1] worker id   ARGV[2] capabilities JSON (services may be empty: no healthy backend)
  ARGV[3] connectors status JSON ('' = unchanged), e.g. {"comfyui":{"status":"down","detail":"..."}}
  Returns {0}
  Errors  {-2, 'worker', message}, {-5, field, message}
]]
local function update_worker(keys, args)
  local P, wid = keys[1], args[1]
  local w = load_worker(P, wid)
  if not w then return err(E_UNKNOWN_WORKER, 'worker', 'unknown or departed worker ' .. tostring(wid)) end
  local caps, bad, why = decode_caps(args[2])
  if not caps then return err(E_INVALID, bad, why) end
  local connectors = args[3] or ''
  if connectors ~= '' and not is_object(decode(connectors)) then
    return err(E_INVALID, 'connectors', 'must be a JSON object')
  end
  local now = now_ms()
  local cfg = load_cfg(P, now)
  clear_idle(P, w, w.woken)
  rcall('DEL', w.key .. ':mc')
  index_worker(P, w.key, wid, caps, now)
  local ca = type(caps.customer_access) == 'table' and caps.customer_access or {}
  rcall('HSET', w.key, 'caps', args[2], 'services', table.concat(caps.services, ','), 'pool', caps.pool or '',
    'allow', ca.allowed_customers and cjson.encode(ca.allowed_customers) or '',
    'deny', ca.denied_customers and cjson.encode(ca.denied_customers) or '',
    'wf', caps.workflow_id or '', 'last_seen', fmt(now))
  if connectors ~= '' then rcall('HSET', w.key, 'connectors', connectors) end
  emit(P, cfg, 'worker.updated', 'worker', wid, 'machine', w.machine, 'services', table.concat(caps.services, ','),
    'connectors', connectors)
  return { OK }
end
