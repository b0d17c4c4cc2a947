-- Machine registry: status documents from supervisors, lifecycle events, remote commands.

local PHASES = { starting = true, ready = true, draining = true, stopped = true }
local COMMANDS = { restart_service = true, stop_service = true, start_service = true, restart_machine = true,
  drain = true, tail_logs = true, prefetch_model = true, evict_model = true }
local MAX_DOC_BYTES = 262144
local MAX_RESULT_BYTES = 65536

local function machine_key(P, mid) return P .. 'machine:' .. mid end

local function machine_presence(phase, last_seen, now, cfg)
  local age = now - (tonumber(last_seen) or 0)
  if phase == 'stopped' then return 'stopped' end
  if age <= cfg.machine_stale_ms then return 'online' end
  if age <= cfg.machine_offline_ms then return 'stale' end
  return 'offline'
end

-- Stream ids '<ms>-<seq>': a is after b.
local function stream_id_after(a, b)
  local am, as = string.match(a or '', '^(%d+)-(%d+)$')
  local bm, bs = string.match(b or '', '^(%d+)-(%d+)$')
  if not am then return false end
  if not bm then return true end
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am > bm or (am == bm and as > bs)
end

-- Drops a machine's model inventory and its entries in the model -> machines index.
local function forget_inventory(P, mid)
  local doc = decode(rcall('GET', P .. 'machine:' .. mid .. ':models') or '')
  if type(doc) == 'table' and type(doc.models) == 'table' then
    for _, m in ipairs(doc.models) do
      if type(m) == 'table' and type(m.name) == 'string' then rcall('SREM', P .. 'modelm:' .. m.name, mid) end
    end
  end
  rcall('DEL', P .. 'machine:' .. mid .. ':models')
end

--[[
  emp_machine_models — a machine's model manager reports the models on its disk
  (docs/pools-and-models.md#inventory-redis).
  KEYS[1] P
  ARGV[1] machine id   ARGV[2] inventory JSON {models: [{name, bytes, sha256?, loaded?, in_use?, last_used?}],
          disk: {budget_bytes, used_bytes}, downloads?: [...]} (<= 256 KiB)
  Returns {0, added, removed}
  Errors  {-5, field, message}: nothing written
]]
local function machine_models(keys, args)
  local P, mid, text = keys[1], args[1], args[2]
  if not valid_name(mid, 128) then return err(E_INVALID, 'machine_id', 'must be 1-128 characters of [A-Za-z0-9_.:-]') end
  if type(text) ~= 'string' or #text > MAX_DOC_BYTES then return err(E_INVALID, 'inventory', 'must be at most 256 KiB') end
  local inv = decode(text)
  if not is_object(inv) or (inv.models ~= nil and type(inv.models) ~= 'table') then
    return err(E_INVALID, 'inventory', 'must be an object with a models array')
  end
  local names = {}
  for i, m in ipairs(inv.models or {}) do
    if not is_object(m) or not valid_name(m.name, 256) then
      return err(E_INVALID, 'inventory.models[' .. (i - 1) .. '].name', 'must be 1-256 characters of [A-Za-z0-9_.:-]')
    end
    if m.bytes ~= nil and (type(m.bytes) ~= 'number' or m.bytes < 0) then
      return err(E_INVALID, 'inventory.models[' .. (i - 1) .. '].bytes', 'must be a non-negative number')
    end
    names[m.name] = m
  end
  local now = now_ms()
  local cfg = load_cfg(P, now)
  local key = P .. 'machine:' .. mid .. ':models'
  local old = decode(rcall('GET', key) or '')
  local before = {}
  if type(old) == 'table' and type(old.models) == 'table' then
    for _, m in ipairs(old.models) do
      if type(m) == 'table' and type(m.name) == 'string' then before[m.name] = true end
    end
  end
  local added, removed, total = {}, {}, 0
  for name, m in pairs(names) do
    if not before[name] then added[#added + 1] = name end
    rcall('SADD', P .. 'modelm:' .. name, mid)
    local bytes = tonumber(m.bytes)
    if bytes and bytes > 0 then
      total = total + bytes
      local known = tonumber(rcall('HGET', P .. 'models', name))
      if not known or known < bytes then rcall('HSET', P .. 'models', name, fmt(bytes)) end
    end
  end
  for name in pairs(before) do
    if not names[name] then
      removed[#removed + 1] = name
      rcall('SREM', P .. 'modelm:' .. name, mid)
    end
  end
  rcall('SET', key, text)
  if #added > 0 or #removed > 0 then
    table.sort(added)
    table.sort(removed)
    emit(P, cfg, 'machine.models', 'machine', mid, 'count', tostring(#(inv.models or {})), 'bytes', fmt(total),
      'added', table.concat(added, ','), 'removed', table.concat(removed, ','))
  end
  return { OK, #added, #removed }
end

--[[
  emp_machine_status — a supervisor publishes its machine's full status document.
  KEYS[1] P
  ARGV[1] machine id   ARGV[2] status document JSON (object, <= 256 KiB)
  ARGV[3] phase: starting | ready | draining | stopped   ARGV[4] '1' = a change: append machine.status
  with the document (periodic refreshes pass '0' and only renew presence)
  Returns {0, id of the last command this machine completed ('' = none)}
  Errors  {-5, field, message}
]]
local function machine_status(keys, args)
  local P, mid, doc, phase = keys[1], args[1], args[2], args[3]
  if not valid_name(mid, 128) then return err(E_INVALID, 'machine_id', 'must be 1-128 characters of [A-Za-z0-9_.:-]') end
  if not PHASES[phase] then return err(E_INVALID, 'phase', 'must be starting, ready, draining or stopped') end
  if type(doc) ~= 'string' or #doc > MAX_DOC_BYTES or not is_object(decode(doc)) then
    return err(E_INVALID, 'status', 'must be a JSON object of at most 256 KiB')
  end
  local now = now_ms()
  local cfg = load_cfg(P, now)
  local key = machine_key(P, mid)
  local f = rcall('HMGET', key, 'phase', 'cmd_last', 'registered_at')
  local pool = (decode(doc) or {}).pool
  rcall('HSET', key, 'doc', doc, 'phase', phase, 'last_seen', fmt(now), 'pool', type(pool) == 'string' and pool or '')
  if not f[3] then rcall('HSET', key, 'registered_at', fmt(now)) end
  rcall('ZADD', P .. 'machines', fmt(now), mid)
  if f[1] ~= phase then
    emit(P, cfg, 'machine.phase', 'machine', mid, 'phase', phase, 'prev', f[1] or '')
  end
  if args[4] == '1' then emit(P, cfg, 'machine.status', 'machine', mid, 'phase', phase, 'doc', doc) end
  return { OK, f[2] or '' }
end

--[[
  emp_machine_event — a lifecycle event of a machine (startup steps, service changes).
  KEYS[1] P
  ARGV[1] machine id   ARGV[2] type (machine.<name>)   ARGV[3] fields JSON object (flat; values stringified)
  Returns {0}
  Errors  {-5, field, message}
]]
local function machine_event(keys, args)
  local P, mid, etype = keys[1], args[1], args[2]
  if not valid_name(mid, 128) then return err(E_INVALID, 'machine_id', 'invalid machine id') end
  if type(etype) ~= 'string' or not string.find(etype, '^machine%.[%w_]+$') or #etype > 64 then
    return err(E_INVALID, 'type', 'must be machine.<name>')
  end
  local fields = decode(args[3] or '{}')
  if not is_object(fields) then return err(E_INVALID, 'fields', 'must be a JSON object') end
  local flat = { 'machine', mid }
  for k, v in pairs(fields) do
    if k ~= 'type' and k ~= 'machine' and v ~= cjson.null then
      flat[#flat + 1] = tostring(k)
      flat[#flat + 1] = type(v) == 'table' and cjson.encode(v) or tostring(v)
    end
  end
  local now = now_ms()
  emit(P, load_cfg(P, now), etype, unpack(flat))
  return { OK }
end

--[[
  emp_machine_command — queue a command for a machine's supervisor (it reads its command stream).
  KEYS[1] P
  ARGV[1] machine id   ARGV[2] command   ARGV[3] arguments JSON object ('' = {})
  Returns {0, command id}
  Errors  {-1} unknown machine, {-4, status, message} machine not online, {-5, field, message}
]]
local function machine_command(keys, args)
  local P, mid, cmd = keys[1], args[1], args[2]
  if not COMMANDS[cmd] then return err(E_INVALID, 'command', 'unknown command ' .. tostring(cmd)) end
  local a = (args[3] == nil or args[3] == '') and '{}' or args[3]
  if not is_object(decode(a)) then return err(E_INVALID, 'args', 'must be a JSON object') end
  local key = machine_key(P, mid)
  local f = rcall('HMGET', key, 'phase', 'last_seen')
  if not f[2] then return err(E_NOT_FOUND, 'machine', 'unknown machine ' .. tostring(mid)) end
  local now = now_ms()
  local cfg = load_cfg(P, now)
  local presence = machine_presence(f[1], f[2], now, cfg)
  if presence ~= 'online' then
    return err(E_ILLEGAL_STATE, presence, 'machine ' .. mid .. ' is ' .. presence .. ' (last seen '
      .. fmt(now - tonumber(f[2])) .. ' ms ago); commands need a running supervisor')
  end
  local id = rcall('XADD', key .. ':commands', 'MAXLEN', '~', '1000', '*', 'command', cmd, 'args', a)
  emit(P, cfg, 'machine.command', 'machine', mid, 'command', cmd, 'command_id', id, 'args', a)
  return { OK, id }
end

--[[
  emp_machine_command_done — the supervisor reports a command's outcome.
  KEYS[1] P
  ARGV[1] machine id   ARGV[2] command id   ARGV[3] command   ARGV[4] '1' ok | '0' failed
  ARGV[5] result JSON (truncated to 64 KiB)
  Returns {0}
]]
local function machine_command_done(keys, args)
  local P, mid = keys[1], args[1]
  if not valid_name(mid, 128) then return err(E_INVALID, 'machine_id', 'invalid machine id') end
  local now = now_ms()
  local cfg = load_cfg(P, now)
  -- the newest command done moves only forward: a slow command (a model download) may report after
  -- later ones, and a restarted supervisor resumes after cmd_last
  local last = rcall('HGET', machine_key(P, mid), 'cmd_last')
  if not last or stream_id_after(args[2], last) then rcall('HSET', machine_key(P, mid), 'cmd_last', args[2]) end
  emit(P, cfg, 'machine.command_result', 'machine', mid, 'command_id', args[2], 'command', args[3] or '',
    'ok', args[4] == '1' and 'true' or 'false', 'result', string.sub(args[5] or '', 1, MAX_RESULT_BYTES))
  return { OK }
end

--[[
  emp_machines (no-writes) — machines with derived presence, status document and workers.
  KEYS[1] P
  ARGV[1] machine id ('' = all)
  Returns {0, json}: [{id, status (online|stale|offline|stopped), phase, pool, last_seen, registered_at,
          doc{}, workers[]}], sorted by id
]]
local function machines(keys, args)
  local P, only = keys[1], args[1] or ''
  local now = now_ms()
  local cfg = load_cfg(P, now)
  local ids = only ~= '' and { only } or rcall('ZRANGE', P .. 'machines', 0, -1)
  table.sort(ids)
  local out = {}
  for _, mid in ipairs(ids) do
    local h = to_map(rcall('HGETALL', machine_key(P, mid)))
    local seen = tonumber(rcall('ZSCORE', P .. 'machines', mid))
    if seen then
      local last = math.max(seen, tonumber(h.last_seen) or 0)
      local workers = rcall('SMEMBERS', P .. 'machine:' .. mid .. ':workers')
      table.sort(workers)
      out[#out + 1] = { id = mid, status = machine_presence(h.phase, last, now, cfg), phase = h.phase or '',
        pool = h.pool or '', last_seen = last, registered_at = tonumber(h.registered_at),
        doc = decode(h.doc or '') or {}, workers = workers, supervised = h.doc ~= nil }
    end
  end
  if #out == 0 then return { OK, '[]' } end
  return { OK, encode_with_arrays(out, { 'workers', 'services', 'gpus', 'models', 'disks' }) }
end

--[[
  emp_machine_delete — remove a machine that is gone (not online) and its idle workers from the registry.
  KEYS[1] P
  ARGV[1] machine id
  Returns {0, workers removed}
  Errors  {-1} unknown machine, {-4, status, message} online, or a worker still holds jobs
]]
local function machine_delete(keys, args)
  local P, mid = keys[1], args[1]
  local key = machine_key(P, mid)
  local seen = rcall('ZSCORE', P .. 'machines', mid)
  if not seen then return err(E_NOT_FOUND, 'machine', 'unknown machine ' .. tostring(mid)) end
  local now = now_ms()
  local cfg = load_cfg(P, now)
  local f = rcall('HMGET', key, 'phase', 'last_seen')
  local presence = machine_presence(f[1], math.max(tonumber(seen), tonumber(f[2]) or 0), now, cfg)
  if presence == 'online' then
    return err(E_ILLEGAL_STATE, presence, 'machine ' .. mid .. ' is online; drain and stop it first')
  end
  local wset = P .. 'machine:' .. mid .. ':workers'
  local workers = rcall('SMEMBERS', wset)
  for _, wid in ipairs(workers) do
    if rcall('SCARD', worker_key(P, wid) .. ':jobs') > 0 then
      return err(E_ILLEGAL_STATE, 'busy', 'worker ' .. wid .. ' still holds jobs; they are released when its leases expire')
    end
  end
  for _, wid in ipairs(workers) do
    leave_idle(P, wid)
    local wk = worker_key(P, wid)
    index_worker(P, wk, wid, nil, now)
    rcall('DEL', wk, wk .. ':jobs', wk .. ':mc', wk .. ':match', wk .. ':wake', wk .. ':ctl')
    rcall('ZREM', P .. 'workers', wid)
  end
  rcall('DEL', key, key .. ':commands', wset)
  forget_inventory(P, mid)
  rcall('ZREM', P .. 'machines', mid)
  emit(P, cfg, 'machine.deleted', 'machine', mid, 'workers', tostring(#workers))
  return { OK, #workers }
end
