/**
 * Lua for a deployment's shared health: one hash per deployment holding its circuit breaker and
 * its latency average, and one sorted set of the calls in flight on it. Every time is the
 * gateway's clock, passed in (ARGV), so instances and tests agree on it and Redis' own clock is
 * never read. The same scripts run on Upstash, on Redis over TCP and on the embedded engine.
 *
 * Hash fields: state ("closed" | "open"), fails (consecutive failures), open_until (end of the
 * ejection), probe_until (lease of the one half-open probe), win_start / win_total / win_fail
 * (the failure-rate window), ewma / ewma_at (latency average and when it was last fed).
 */

/**
 * The outcome of one attempt. KEYS[1] health hash. ARGV: now, outcome ("success" | "failure" |
 * "neutral"), latency sample in ms ("" for none), consecutive-failure limit, window ms, window
 * minimum requests, failure-rate threshold in percent, ejection ms, EWMA alpha, key TTL ms.
 * Returns the state after the update.
 */
export const RECORD_ATTEMPT_SCRIPT = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local outcome = ARGV[2]
local sample = tonumber(ARGV[3])
local limit = tonumber(ARGV[4])
local window_ms = tonumber(ARGV[5])
local min_requests = tonumber(ARGV[6])
local rate_pct = tonumber(ARGV[7])
local eject_ms = tonumber(ARGV[8])
local alpha = tonumber(ARGV[9])
local ttl_ms = tonumber(ARGV[10])

local h = redis.call('HMGET', key, 'state', 'fails', 'open_until', 'win_start', 'win_total', 'win_fail', 'ewma')
local state = h[1] or 'closed'
local fails = tonumber(h[2]) or 0
local open_until = tonumber(h[3]) or 0
local win_start = tonumber(h[4]) or now
local win_total = tonumber(h[5]) or 0
local win_fail = tonumber(h[6]) or 0
local ewma = tonumber(h[7])

if now - win_start >= window_ms then
  win_start = now
  win_total = 0
  win_fail = 0
end

if sample then
  if ewma then ewma = ewma + alpha * (sample - ewma) else ewma = sample end
  redis.call('HSET', key, 'ewma', tostring(ewma), 'ewma_at', tostring(now))
end

if outcome == 'success' then
  fails = 0
  win_total = win_total + 1
  if state == 'open' then
    -- The half-open probe (or a call admitted before the circuit opened) succeeded: close.
    state = 'closed'
    win_start = now
    win_total = 0
    win_fail = 0
    redis.call('HDEL', key, 'open_until', 'probe_until')
  end
elseif outcome == 'failure' then
  fails = fails + 1
  win_total = win_total + 1
  win_fail = win_fail + 1
  if state == 'open' then
    -- A failure after the ejection ended is the probe's: eject again. One that was admitted
    -- before the circuit opened and fails during the ejection changes nothing.
    if now >= open_until then
      redis.call('HSET', key, 'open_until', tostring(now + eject_ms))
      redis.call('HDEL', key, 'probe_until')
    end
  elseif fails >= limit or (win_total >= min_requests and win_fail * 100 >= rate_pct * win_total) then
    state = 'open'
    redis.call('HSET', key, 'open_until', tostring(now + eject_ms))
    redis.call('HDEL', key, 'probe_until')
  end
else
  -- Neither healthy nor not (429, the client went away): a probe that ended so frees the lease.
  if state == 'open' and now >= open_until then redis.call('HDEL', key, 'probe_until') end
end

redis.call('HSET', key, 'state', state, 'fails', tostring(fails), 'win_start', tostring(win_start),
  'win_total', tostring(win_total), 'win_fail', tostring(win_fail))
redis.call('PEXPIRE', key, ttl_ms)
return state
`;

/**
 * Claims the one half-open probe of an ejected deployment whose ejection has ended. KEYS[1]
 * health hash. ARGV: now, probe lease ms. Returns 1 when this caller may call the deployment
 * (the probe is its, or the circuit is closed), 0 when it must skip it.
 */
export const CLAIM_PROBE_SCRIPT = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local h = redis.call('HMGET', key, 'state', 'open_until', 'probe_until')
if h[1] ~= 'open' then return 1 end
if now < (tonumber(h[2]) or 0) then return 0 end
if now < (tonumber(h[3]) or 0) then return 0 end
redis.call('HSET', key, 'probe_until', tostring(now + tonumber(ARGV[2])))
return 1
`;

/**
 * Marks a call in flight on a deployment. KEYS[1] in-flight sorted set. ARGV: now, member (the
 * request and attempt), lease ms. The member's score is when its lease ends, so a call whose
 * instance died stops counting then; expired members are dropped here.
 */
export const ENTER_SCRIPT = `
local now = tonumber(ARGV[1])
local lease = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + lease, ARGV[2])
redis.call('PEXPIRE', KEYS[1], lease)
return 1
`;
