-- JSON helpers: safe decoding, structural checks, canonical encoding for signatures.

local function is_null(v)
  return v == nil or v == cjson.null
end

-- cjson decodes both [] and {} to an empty table; an empty table counts as either.
local function is_array(t)
  if type(t) ~= 'table' then return false end
  local n = #t
  if n == 0 then return next(t) == nil end
  local k = 0
  for _ in pairs(t) do k = k + 1 end
  return k == n
end

local function is_object(t)
  return type(t) == 'table' and (next(t) == nil or not is_array(t))
end

local function decode(s)
  if type(s) ~= 'string' or s == '' then return nil end
  local ok, v = pcall(cjson.decode, s)
  if ok then return v end
  return nil
end

-- Like decode, but refuses what JSON does not allow and cjson does by default (hex numbers, inf,
-- nan): a document stored as sent must parse for every other reader (found by CapabilitiesFuzzTest).
local function decode_strict(s)
  if type(s) ~= 'string' or s == '' then return nil end
  cjson.decode_invalid_numbers(false)
  local ok, v = pcall(cjson.decode, s)
  cjson.decode_invalid_numbers(true)
  if ok then return v end
  return nil
end

-- Whether s is well-formed UTF-8: no stray or missing continuation bytes, overlong forms,
-- surrogates or code points beyond U+10FFFF. cjson passes any bytes through in strings.
local function valid_utf8(s)
  if not string.find(s, '[\128-\255]') then return true end
  local i, n = 1, #s
  while i <= n do
    local c = string.byte(s, i)
    if c < 0x80 then
      i = i + 1
    else
      local len, min
      if c >= 0xC2 and c <= 0xDF then len, min = 2, 0x80
      elseif c >= 0xE0 and c <= 0xEF then len, min = 3, 0x800
      elseif c >= 0xF0 and c <= 0xF4 then len, min = 4, 0x10000
      else return false end
      if i + len - 1 > n then return false end
      local cp = c % (2 ^ (7 - len))
      for k = 1, len - 1 do
        local b = string.byte(s, i + k)
        if b < 0x80 or b > 0xBF then return false end
        cp = cp * 64 + (b - 0x80)
      end
      if cp < min or cp > 0x10FFFF or (cp >= 0xD800 and cp <= 0xDFFF) then return false end
      i = i + len
    end
  end
  return true
end

local function is_int(v, lo, hi)
  return type(v) == 'number' and v == math.floor(v) and v >= lo and v <= hi
end

local function string_list(v)
  if not is_array(v) then return false end
  for _, s in ipairs(v) do
    if type(s) ~= 'string' or s == '' then return false end
  end
  return true
end

-- A requirement or capability value: string, boolean, finite number, or arrays/objects of those
-- (bounded depth). JSON null is never a valid value.
local function valid_value(v, depth)
  local t = type(v)
  if t == 'string' or t == 'boolean' then return true end
  if t == 'number' then return v == v and v ~= math.huge and v ~= -math.huge end
  if t == 'table' and depth < 5 then
    for k, x in pairs(v) do
      if type(k) ~= 'string' and type(k) ~= 'number' then return false end
      if not valid_value(x, depth + 1) then return false end
    end
    return true
  end
  return false
end

-- cjson encodes an empty table as {}; fields known to be arrays are fixed up after encoding.
local function encode_with_arrays(v, array_fields)
  local s = cjson.encode(v)
  for _, f in ipairs(array_fields) do
    s = string.gsub(s, '"' .. f .. '":{}', '"' .. f .. '":[]')
  end
  return s
end

-- Canonical JSON: sorted keys, integers without exponent. Two equal documents encode identically,
-- whatever the key order of the submission.
local canon
canon = function(v)
  local t = type(v)
  if t == 'table' then
    if #v > 0 and is_array(v) then
      local parts = {}
      for i = 1, #v do parts[i] = canon(v[i]) end
      return '[' .. table.concat(parts, ',') .. ']'
    end
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = tostring(k) end
    table.sort(keys)
    local parts = {}
    for i, k in ipairs(keys) do parts[i] = cjson.encode(k) .. ':' .. canon(v[k]) end
    return '{' .. table.concat(parts, ',') .. '}'
  elseif t == 'number' then
    if v == math.floor(v) and math.abs(v) < 9007199254740992 then return string.format('%.0f', v) end
    return string.format('%.17g', v)
  elseif t == 'string' then
    return cjson.encode(v)
  elseif t == 'boolean' then
    return tostring(v)
  end
  return 'null'
end
