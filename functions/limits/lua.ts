/**
 * The limit scripts, run by Redis (or the embedded engine) atomically: one EVALSHA per call to
 * reserve, one to settle. Shared Lua helpers are prepended to each script.
 *
 * Money in these scripts is integer nano-USD and is never formatted by Lua: Lua prints numbers
 * with "%.14g", which would round amounts above 1e14 nano-USD (100,000 USD). Amounts arrive as
 * strings (ARGV or stored fields) and are written with HINCRBY as those same strings; a
 * subtraction is HINCRBY with the string negated. Lua compares amounts as doubles, exact up to
 * 2^53. Times (epoch ms, 13 digits) print whole with tostring, in Redis' Lua 5.1 and in the
 * embedded engine alike (whose string.format('%d') refuses numbers past 2^31).
 *
 * Budget state, one hash per budget:
 *   seeded   "1" once the window was loaded from Postgres (absent: Redis lost it, reload)
 *   spent    nano-USD spent in the counted buckets
 *   reserved nano-USD held by calls in flight
 *   from     start of the oldest bucket still counted
 *   b:<t>    nano-USD spent in the bucket starting at t
 *   h:<id>   nano-USD held by request <id>
 *   a:<f>    "1" while spend is at or above fraction f of the limit (alert sent once)
 * and a sorted set of request ids by the time their hold expires (a crashed call's hold lapses).
 */

const HELPERS = `
local function neg(amount)
  -- Redis reads '-0' as no integer at all.
  if amount == '0' then return amount end
  if string.sub(amount, 1, 1) == '-' then return string.sub(amount, 2) end
  return '-' .. amount
end

local function num(value)
  return tonumber(value) or 0
end

-- Moves the window of one budget to end at now: buckets wholly before it leave 'spent'.
local function roll(state, now, window, bucket)
  if window == 0 then return end
  local first = math.floor((now - window) / bucket) * bucket
  local from = tonumber(redis.call('HGET', state, 'from'))
  if from == nil then
    redis.call('HSET', state, 'from', first)
    return
  end
  if from >= first then return end
  -- Buckets exist only from 'from' up to the last write, at most one window and a bucket later.
  local last = math.min(first - bucket, from + window + bucket)
  for start = from, last, bucket do
    local field = 'b:' .. tostring(start)
    local amount = redis.call('HGET', state, field)
    if amount then
      redis.call('HINCRBY', state, 'spent', neg(amount))
      redis.call('HDEL', state, field)
    end
  end
  redis.call('HSET', state, 'from', first)
end

-- Lets go of holds whose calls never settled (the process died mid-call).
local function purge_holds(state, holds, now)
  local lapsed = redis.call('ZRANGEBYSCORE', holds, '-inf', now)
  for _, id in ipairs(lapsed) do
    local amount = redis.call('HGET', state, 'h:' .. id)
    if amount then
      redis.call('HINCRBY', state, 'reserved', neg(amount))
      redis.call('HDEL', state, 'h:' .. id)
    end
  end
  if #lapsed > 0 then redis.call('ZREMRANGEBYSCORE', holds, '-inf', now) end
end

local function keep_for(state, window, bucket, extra)
  if window > 0 then redis.call('PEXPIRE', state, window + 2 * bucket + extra) end
end
`;

/**
 * KEYS: version, then 5 per rate check (requests now/previous minute, tokens now/previous
 * minute, concurrency leases), then 2 per budget (state, holds), then one revocation marker per
 * delegation grant the call runs under (present = revoked).
 * ARGV: now, request id, expected version, lease ms, hold ms, #rates, #budgets, then per rate
 * (rpm, tpm, max concurrency, tokens; 0 = no limit), then per budget (limit, window ms,
 * bucket ms, amount to hold).
 * Answers: {'ok', per rate: requests left, tokens left, ms to reset; per budget: nano-USD left}
 *  | {'stale', version} | {'revoked', grant index} | {'seed', budget indexes...}
 *  | {'rate', index, 'requests'|'tokens'|
 *  'concurrency', retry after ms} | {'budget', index, nano-USD left}.
 * Nothing is written unless every check passes (rolling and purging are upkeep, not writes
 * anyone could observe as a decision).
 */
export const RESERVE_SCRIPT = `${HELPERS}
local now = tonumber(ARGV[1])
local id = ARGV[2]
local lease_ms = tonumber(ARGV[4])
local hold_ms = tonumber(ARGV[5])
local rates = tonumber(ARGV[6])
local budgets = tonumber(ARGV[7])

local version = redis.call('GET', KEYS[1]) or ''
if version ~= ARGV[3] then return {'stale', version} end

-- A revoked grant anywhere in the chain refuses the call, on every instance, from the next call.
local first_revocation = 2 + rates * 5 + budgets * 2
for k = first_revocation, #KEYS do
  if redis.call('EXISTS', KEYS[k]) == 1 then return {'revoked', k - first_revocation + 1} end
end

local minute = 60000
local elapsed = now % minute
local weight = (minute - elapsed) / minute
local answer = {'ok'}

for i = 1, rates do
  local k = 1 + (i - 1) * 5
  local a = 7 + (i - 1) * 4
  local rpm, tpm, cc, tokens = num(ARGV[a + 1]), num(ARGV[a + 2]), num(ARGV[a + 3]), num(ARGV[a + 4])
  local requests = num(redis.call('GET', KEYS[k + 2])) * weight + num(redis.call('GET', KEYS[k + 1]))
  if rpm > 0 and requests + 1 > rpm then
    return {'rate', i, 'requests', minute - elapsed}
  end
  local used = num(redis.call('GET', KEYS[k + 4])) * weight + num(redis.call('GET', KEYS[k + 3]))
  if tpm > 0 and used + tokens > tpm then
    return {'rate', i, 'tokens', minute - elapsed}
  end
  if cc > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[k + 5], '-inf', now)
    if redis.call('ZCARD', KEYS[k + 5]) >= cc then
      return {'rate', i, 'concurrency', 1000}
    end
  end
  table.insert(answer, rpm > 0 and math.floor(rpm - requests - 1) or -1)
  table.insert(answer, tpm > 0 and math.floor(tpm - used - tokens) or -1)
  table.insert(answer, minute - elapsed)
end

local unseeded = {}
local first_budget_key = 1 + rates * 5
local first_budget_arg = 7 + rates * 4
for i = 1, budgets do
  local state, holds = KEYS[first_budget_key + (i - 1) * 2 + 1], KEYS[first_budget_key + (i - 1) * 2 + 2]
  local a = first_budget_arg + (i - 1) * 4
  local limit, window, bucket = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  local amount = tonumber(ARGV[a + 4])
  if redis.call('HGET', state, 'seeded') ~= '1' then
    table.insert(unseeded, i)
  else
    purge_holds(state, holds, now)
    roll(state, now, window, bucket)
    local committed = num(redis.call('HGET', state, 'spent')) + num(redis.call('HGET', state, 'reserved'))
    if committed + amount > limit then
      return {'budget', i, math.max(0, limit - committed)}
    end
    table.insert(answer, limit - committed - amount)
  end
end
if #unseeded > 0 then
  table.insert(unseeded, 1, 'seed')
  return unseeded
end

for i = 1, rates do
  local k = 1 + (i - 1) * 5
  local a = 7 + (i - 1) * 4
  local rpm, tpm, cc, tokens = num(ARGV[a + 1]), num(ARGV[a + 2]), num(ARGV[a + 3]), ARGV[a + 4]
  if rpm > 0 then
    redis.call('INCR', KEYS[k + 1])
    redis.call('PEXPIRE', KEYS[k + 1], 2 * minute)
  end
  if tpm > 0 then
    redis.call('INCRBY', KEYS[k + 3], tokens)
    redis.call('PEXPIRE', KEYS[k + 3], 2 * minute)
  end
  if cc > 0 then
    redis.call('ZADD', KEYS[k + 5], now + lease_ms, id)
    redis.call('PEXPIRE', KEYS[k + 5], lease_ms)
  end
end
for i = 1, budgets do
  local state, holds = KEYS[first_budget_key + (i - 1) * 2 + 1], KEYS[first_budget_key + (i - 1) * 2 + 2]
  local a = first_budget_arg + (i - 1) * 4
  local amount = ARGV[a + 4]
  redis.call('HINCRBY', state, 'reserved', amount)
  redis.call('HSET', state, 'h:' .. id, amount)
  redis.call('ZADD', holds, now + hold_ms, id)
  redis.call('PEXPIRE', holds, hold_ms)
  keep_for(state, tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), hold_ms)
end
return answer
`;

/**
 * KEYS: 2 per rate check (the tokens bucket the reservation counted in, concurrency leases),
 * then 2 per budget (state, holds).
 * ARGV: now, request id, #rates, #budgets, then per rate the token correction (actual minus
 * estimated, may be negative), then per budget (actual cost, limit, window ms, bucket ms,
 * alert fractions as "0.8,1").
 * Answers the alerts crossed: {budget index, fraction, budget index, fraction, ...}.
 */
export const SETTLE_SCRIPT = `${HELPERS}
local now = tonumber(ARGV[1])
local id = ARGV[2]
local rates = tonumber(ARGV[3])
local budgets = tonumber(ARGV[4])
local crossed = {}

for i = 1, rates do
  local tokens_key, leases = KEYS[(i - 1) * 2 + 1], KEYS[(i - 1) * 2 + 2]
  local correction = ARGV[4 + i]
  if correction ~= '0' and redis.call('EXISTS', tokens_key) == 1 then
    local left = redis.call('INCRBY', tokens_key, correction)
    if left < 0 then redis.call('INCRBY', tokens_key, -left) end
  end
  redis.call('ZREM', leases, id)
end

local first_key = rates * 2
local first_arg = 4 + rates
for i = 1, budgets do
  local state, holds = KEYS[first_key + (i - 1) * 2 + 1], KEYS[first_key + (i - 1) * 2 + 2]
  local a = first_arg + (i - 1) * 5
  local cost, limit = ARGV[a + 1], tonumber(ARGV[a + 2])
  local window, bucket = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  local held = redis.call('HGET', state, 'h:' .. id)
  if held then
    redis.call('HINCRBY', state, 'reserved', neg(held))
    redis.call('HDEL', state, 'h:' .. id)
  end
  redis.call('ZREM', holds, id)
  -- An unseeded budget is rebuilt from Postgres, where this call's usage record will be.
  if redis.call('HGET', state, 'seeded') == '1' then
    roll(state, now, window, bucket)
    if cost ~= '0' then
      local start = window > 0 and math.floor(now / bucket) * bucket or 0
      redis.call('HINCRBY', state, 'b:' .. tostring(start), cost)
      redis.call('HINCRBY', state, 'spent', cost)
    end
    local spent = num(redis.call('HGET', state, 'spent'))
    for fraction in string.gmatch(ARGV[a + 5], '[^,]+') do
      local field = 'a:' .. fraction
      local above = spent >= tonumber(fraction) * limit
      local alerted = redis.call('HGET', state, field) == '1'
      if above and not alerted then
        redis.call('HSET', state, field, '1')
        table.insert(crossed, i)
        table.insert(crossed, fraction)
      elseif alerted and not above then
        redis.call('HDEL', state, field)
      end
    end
    keep_for(state, window, bucket, 0)
  end
end
return crossed
`;

/**
 * Loads one budget's window from Postgres' usage records, unless another instance got there
 * first. KEYS: state. ARGV: now, window ms, bucket ms, then (bucket start, nano-USD) pairs.
 * Answers 1 when it seeded, 0 when the budget was already seeded.
 */
export const SEED_SCRIPT = `${HELPERS}
local state = KEYS[1]
if redis.call('HGET', state, 'seeded') == '1' then return 0 end
local now, window, bucket = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('DEL', state)
for i = 4, #ARGV, 2 do
  local start, amount = ARGV[i], ARGV[i + 1]
  if window > 0 then redis.call('HINCRBY', state, 'b:' .. start, amount) end
  redis.call('HINCRBY', state, 'spent', amount)
end
if window > 0 then
  redis.call('HSET', state, 'from', math.floor((now - window) / bucket) * bucket)
end
redis.call('HSET', state, 'seeded', '1')
keep_for(state, window, bucket, 0)
return 1
`;
