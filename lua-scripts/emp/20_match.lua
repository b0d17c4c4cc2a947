-- Matching language: requirement normalisation (at submit), capability validation (at register),
-- and the signature-level match of a worker against a descriptor. Rules: docs/matching.md.

local HW_MINIMUMS = { gpu_memory_gb = true, cpu_cores = true, ram_gb = true }
local ISO_LEVEL = { none = 0, loose = 1, strict = 2 }
-- Standard fields that describe the job but never restrict routing.
local INFORMATIONAL = { quality_level = 'string', timeout_minutes = 'number' }

local function check_hardware(hw, field, into)
  if not is_object(hw) then return field, 'must be an object' end
  for k, v in pairs(hw) do
    if HW_MINIMUMS[k] then
      if not (v == 'all' or (type(v) == 'number' and v >= 0 and v == v and v ~= math.huge)) then
        return field .. '.' .. k, 'must be a number >= 0 or "all"'
      end
    elseif not valid_value(v, 1) then
      return field .. '.' .. k, 'must be a string, number, boolean or array of them'
    end
    into[k] = v
  end
  return nil
end

-- Reads one requirement key into the normalised form n. Returns field, message on error.
local function take_requirement(n, k, v, f, service, nested)
  if v == cjson.null then return f, 'must not be null' end
  if k == 'hardware' then
    return check_hardware(v, f, n.hw)
  elseif k == 'models' then
    if not (v == 'all' or string_list(v)) then return f, 'must be "all" or an array of model names' end
    if v ~= 'all' and #v > 0 then n.models = v end
  elseif k == 'customer_isolation' then
    if not ISO_LEVEL[v] then return f, 'must be "strict", "loose" or "none"' end
    if ISO_LEVEL[v] > 0 then n.iso = v end
  elseif k == 'service_type' then
    if v ~= service then return f, 'must equal the job service when given' end
  elseif k == 'component' or k == 'workflow' then
    if type(v) ~= 'string' or v == '' then return f, 'must be a non-empty string' end
    if v ~= 'all' then n[k] = v end
  elseif INFORMATIONAL[k] then
    if type(v) ~= INFORMATIONAL[k] then return f, 'must be a ' .. INFORMATIONAL[k] end
  elseif k == 'geographic_region' then
    if type(v) ~= 'string' or v == '' then return f, 'must be a non-empty string' end
    n.region = v
  elseif k == 'compliance' then
    if not string_list(v) then return f, 'must be an array of strings' end
    if #v > 0 then n.compliance = v end
  elseif (k == 'positive_requirements' or k == 'negative_requirements') and nested then
    return f, 'cannot be nested'
  else
    if not valid_value(v, 1) then return f, 'must be a string, number, boolean, array or object of them' end
    n.custom[k] = v
  end
  return nil
end

-- Normalises a requirement document. Returns n or nil, field, message. Never raises.
local function normalize_requirements(req, service)
  local n = { hw = {}, custom = {}, neg_hw = {}, neg = {} }
  if is_null(req) then return n end
  if not is_object(req) then return nil, 'requirements', 'must be an object' end
  for k, v in pairs(req) do
    local f = 'requirements.' .. k
    local bad, why
    if k == 'positive_requirements' then
      if not is_object(v) then return nil, f, 'must be an object' end
      for pk, pv in pairs(v) do
        bad, why = take_requirement(n, pk, pv, f .. '.' .. pk, service, true)
        if bad then return nil, bad, why end
      end
    elseif k == 'negative_requirements' then
      if not is_object(v) then return nil, f, 'must be an object' end
      for nk, nv in pairs(v) do
        local nf = f .. '.' .. nk
        if nk == 'hardware' then
          bad, why = check_hardware(nv, nf, n.neg_hw)
        elseif not valid_value(nv, 1) then
          bad, why = nf, 'must be a string, number, boolean, array or object of them'
        else
          n.neg[nk] = nv
        end
        if bad then return nil, bad, why end
      end
    else
      bad, why = take_requirement(n, k, v, f, service, false)
      if bad then return nil, bad, why end
    end
  end
  return n
end

-- Model names are kept comma-separated in the worker hash ('mods'): a comma would split one name in two.
local function model_list(v)
  if not string_list(v) then return false end
  for _, m in ipairs(v) do
    if string.find(m, ',', 1, true) then return false end
  end
  return true
end

-- Validates a worker capability document. Returns field, message on error, nil when valid.
local function validate_caps(c)
  if not is_object(c) or next(c) == nil then return 'capabilities', 'must be a non-empty object' end
  if not valid_value(c, 0) then
    return 'capabilities', 'must not contain null, non-finite numbers or values nested more than 5 levels deep'
  end
  if not string_list(c.services) then
    return 'capabilities.services', 'must be an array of service names (empty: no healthy backend)'
  end
  for _, s in ipairs(c.services) do
    if not valid_name(s, 64) then return 'capabilities.services', 'invalid service name ' .. s end
  end
  if c.hardware ~= nil then
    if not is_object(c.hardware) then return 'capabilities.hardware', 'must be an object' end
    for k in pairs(HW_MINIMUMS) do
      local v = c.hardware[k]
      if v ~= nil and type(v) ~= 'number' then return 'capabilities.hardware.' .. k, 'must be a number' end
    end
  end
  for k in pairs(HW_MINIMUMS) do
    if c[k] ~= nil and type(c[k]) ~= 'number' then return 'capabilities.' .. k, 'must be a number' end
  end
  local m = c.models
  if m ~= nil and m ~= 'all' and not model_list(m) then
    if not is_object(m) then
      return 'capabilities.models', 'must be "all", an array of model names (without commas) or an object per service'
    end
    for svc, list in pairs(m) do
      if list ~= 'all' and not model_list(list) then
        return 'capabilities.models.' .. svc, 'must be "all" or an array of model names (without commas)'
      end
    end
  end
  local ca = c.customer_access
  if ca ~= nil then
    if not is_object(ca) then return 'capabilities.customer_access', 'must be an object' end
    if ca.isolation ~= nil and not ISO_LEVEL[ca.isolation] then
      return 'capabilities.customer_access.isolation', 'must be "strict", "loose" or "none"'
    end
    for _, k in ipairs({ 'allowed_customers', 'denied_customers' }) do
      if ca[k] ~= nil and not string_list(ca[k]) then
        return 'capabilities.customer_access.' .. k, 'must be an array of customer ids'
      end
    end
  end
  if c.pool ~= nil and not valid_name(c.pool, 64) then
    return 'capabilities.pool', 'must be 1-64 characters of [A-Za-z0-9_.:-] (as a job\'s pool)'
  end
  for _, k in ipairs({ 'workflow_id', 'geographic_region' }) do
    if c[k] ~= nil and (type(c[k]) ~= 'string' or c[k] == '') then
      return 'capabilities.' .. k, 'must be a non-empty string'
    end
  end
  for _, k in ipairs({ 'components', 'workflows', 'compliance' }) do
    if c[k] ~= nil and c[k] ~= 'all' and not string_list(c[k]) then
      return 'capabilities.' .. k, 'must be "all" or an array of strings'
    end
  end
  if c.model_downloads ~= nil and type(c.model_downloads) ~= 'boolean' then
    return 'capabilities.model_downloads', 'must be true or false'
  end
  if c.download_bytes_per_s ~= nil and (type(c.download_bytes_per_s) ~= 'number' or c.download_bytes_per_s <= 0) then
    return 'capabilities.download_bytes_per_s', 'must be a positive number'
  end
  return nil
end

-- Decodes and validates a capability document as sent. Returns the document, or nil, field, message.
local function decode_caps(text)
  if type(text) ~= 'string' or not valid_utf8(text) then return nil, 'capabilities', 'must be valid UTF-8' end
  local c = decode_strict(text)
  if c == nil then
    return nil, 'capabilities', 'must be a JSON object (strict JSON: no hex, NaN or Infinity numbers)'
  end
  local bad, why = validate_caps(c)
  if bad then return nil, bad, why end
  return c
end

-- Dotted-path lookup: 'location.region' reads caps.location.region (a literal key wins).
local function lookup(caps, path)
  local v = caps[path]
  if v ~= nil then return v end
  local cur = caps
  for part in string.gmatch(path, '[^%.]+') do
    if type(cur) ~= 'table' then return nil end
    cur = cur[part]
  end
  return cur
end

local function contains(list, x)
  if type(list) ~= 'table' then return false end
  for _, y in ipairs(list) do
    if y == x then return true end
  end
  return false
end

-- required array: worker array contains all; worker array, required scalar: contains;
-- required number: worker number >=; required object: every key recursively; else exact equality.
local compare
compare = function(wv, rv)
  if wv == nil or wv == cjson.null then return false end
  if type(rv) == 'table' then
    if is_array(rv) then
      if #rv == 0 then return true end
      if type(wv) ~= 'table' then return false end
      for _, x in ipairs(rv) do
        if not contains(wv, x) then return false end
      end
      return true
    end
    if type(wv) ~= 'table' then return false end
    for k, x in pairs(rv) do
      if not compare(wv[k], x) then return false end
    end
    return true
  end
  if type(wv) == 'table' then return contains(wv, rv) end
  if type(rv) == 'number' then return type(wv) == 'number' and wv >= rv end
  return wv == rv
end

local function hw_value(caps, k)
  local hw = caps.hardware
  if type(hw) == 'table' and hw[k] ~= nil then return hw[k] end
  return caps[k]
end

local function allows(list, x)
  return list == nil or list == 'all' or contains(list, x)
end

local function has_models(caps, service, required)
  local wm = caps.models
  if wm == 'all' then return true end
  local list = wm
  if is_object(wm) and next(wm) ~= nil then list = wm[service] end
  if list == 'all' then return true end
  for _, m in ipairs(required) do
    if not contains(list, m) then return false end
  end
  return true
end

-- The first rule the worker fails (docs/matching.md numbering in the text), or nil when it matches.
-- soft_models: a missing model is not a failure (the worker downloads models: affinity decides);
-- the second result says whether models are missing.
local function requirement_mismatch(r, caps, service, soft_models)
  local cold = false
  for k, v in pairs(r.hw) do
    if v ~= 'all' and not compare(hw_value(caps, k), v) then return 'hardware.' .. k .. ' below ' .. tostring(v) end
  end
  if r.models and not has_models(caps, service, r.models) then
    if not soft_models then return 'models missing: ' .. table.concat(r.models, ', ') end
    cold = true
  end
  if r.iso then
    local ca = caps.customer_access
    local level = ISO_LEVEL[type(ca) == 'table' and ca.isolation or 'none'] or 0
    if level < ISO_LEVEL[r.iso] then return 'customer isolation ' .. r.iso .. ' required' end
  end
  if r.component and not allows(caps.components, r.component) then return 'component ' .. r.component end
  if r.workflow and not allows(caps.workflows, r.workflow) then return 'workflow ' .. r.workflow end
  if r.region and lookup(caps, 'geographic_region') ~= r.region then return 'geographic_region ' .. r.region end
  if r.compliance and not compare(caps.compliance, r.compliance) then return 'compliance' end
  for k, v in pairs(r.custom) do
    if not compare(lookup(caps, k), v) then return 'requires ' .. k end
  end
  for k, v in pairs(r.neg_hw) do
    if v ~= 'all' and compare(hw_value(caps, k), v) then return 'excluded hardware.' .. k end
  end
  for k, v in pairs(r.neg) do
    if compare(lookup(caps, k), v) then return 'excluded by ' .. k end
  end
  return nil, cold
end

-- Signature-level match of a decoded descriptor {s, p, r} against decoded capabilities, without the
-- pool (a claim-time rule: docs/pools-and-models.md). Returns the first failed rule, or nil and
-- whether the worker lacks required models it would download ('cold'). Protected: a malformed
-- document is a mismatch, never an error that would abort a claim.
local function descriptor_mismatch(d, caps)
  local ok, res, cold = pcall(function()
    if not contains(caps.services, d.s) then return 'service ' .. tostring(d.s) .. ' not offered' end
    return requirement_mismatch(d.r, caps, d.s, caps.model_downloads == true)
  end)
  if not ok then return 'malformed document' end
  return res, cold
end

-- The pool relation of a job pool and a worker pool under the policy: 'own' (same pool, or a job
-- without pool), 'fallback' with the rule that allows it, or nil (never).
local function pool_relation(pol, job_pool, worker_pool)
  if job_pool == nil or job_pool == '' or job_pool == worker_pool then return 'own' end
  local rules = pol and type(pol.fallback) == 'table' and pol.fallback[job_pool]
  if type(rules) ~= 'table' then return nil end
  for _, rule in ipairs(rules) do
    if type(rule) == 'table' and (rule.to == '*' or (worker_pool ~= '' and rule.to == worker_pool)) then
      return 'fallback', rule
    end
  end
  return nil
end

-- Whether some worker with these capabilities could ever run the signature (the queue is runnable).
local function descriptor_matches(d, caps, pol)
  if descriptor_mismatch(d, caps) ~= nil then return false end
  return pool_relation(pol, d.p, caps.pool or '') ~= nil
end
