// The endpoint gate's two Redis scripts. Each runs atomically, so every worker process sees one
// breaker and one in-flight count per endpoint, and an attempt costs one round trip to admit and one
// to release. Time is Redis' own clock (TIME), so workers with skewed clocks still agree.
//
// KEYS[1] in-flight: a sorted set of attempt slots scored by when each expires. A worker that dies
//         mid-attempt never releases its slot; the slot lapses at its score (the attempt's timeout
//         plus a margin) instead of leaking for good.
// KEYS[2] breaker: a hash. Closed (or absent): counters per time bucket over the window and the
//         current failure streak. "open" until `until`. "half": one probe (`probe`, a slot name) is
//         out until `probeUntil`; its release closes or re-opens the circuit. `line`: when the next
//         attempt refused by the circuit is to come back. Refused attempts are handed return times
//         one `pace` apart from the reopening on, so however large the backlog, a dead endpoint's
//         deliveries come back at a trickle (and, once it recovers, reach it at that pace) instead
//         of all of them knocking at every reopening. `slow`: how many attempts in a row timed out
//         (the slow lane); kept across the circuit's changes, cleared by any attempt answered in time.
// KEYS[3] waiters: a sorted set of the slots (delivery ids) of attempts refused at the in-flight cap
//         (busy or slow) or by the open circuit (all but the one kept back for the probe) and parked, scored by when each comes back on its own (the park's end, ms
//         since epoch, which also names the park: the wake-up checks it): the first to come back is
//         woken first when a slot frees. Bounded (PARK_SCRIPT), and it lapses when nobody parks for
//         its lifetime. An entry is only a hint: the parked job itself sits in BullMQ's delayed set.
//         A waiter whose park ended more than PAST_PARK_MS ago is dropped by every script that reads
//         the waiters: its job came back on its own (and was parked again with a new end, or
//         admitted), or its delivery ended without an attempt (a circuit that stayed open past
//         OPEN_CIRCUIT_MAX_AGE, a webhook gone). Kept, such entries filled the set towards its bound
//         (a down endpoint's, 1.4 MB after an hour of the soak), were counted as waiters ahead, and
//         took the wake-ups of freed slots from the live ones.
// KEYS[4] (release only) the deployment's open circuits: a sorted set of origins scored by when their
//         breaker key expires, for the open-circuits gauge. Touched only when a circuit changes state.

/**
 * How long after its park's end a waiter is dropped. The end is the parking worker's clock and the
 * scripts read Redis': the margin covers the skew between them (a worker whose clock is behind by
 * more has its waiters dropped early; they then come back at their park's end, unwoken).
 */
export const PAST_PARK_MS = 5000;

/** The breaker's window is counted in this many buckets (the release script's ARGV[4]). */
export const BREAKER_BUCKETS = 6;

/**
 * The breaker's fields the release reads, as Lua arguments: state, probe, the streak, then n/t/f of
 * every bucket. Written into the script, not built per call: building the 21 names with Lua string
 * concatenation on every release cost about a quarter of the script's Redis time.
 */
const BREAKER_FIELDS = ["state", "probe", "streak", ...Array.from({ length: BREAKER_BUCKETS }, (_, i) => [`n${i}`, `t${i}`, `f${i}`]).flat()]
  .map((f) => `'${f}'`)
  .join(", ");

/** Drops the waiters whose park ended more than PAST_PARK_MS before `now` (Lua; `waiters` and `now` in scope). */
const DROP_PAST_WAITERS = `redis.call('ZREMRANGEBYSCORE', waiters, '-inf', '(' .. (now - ${PAST_PARK_MS}))`;

/**
 * ARGV: slot, max in flight, slot lifetime ms, wait suggested when full (ms), breaker key lifetime
 * ms, pace of returns refused by the circuit (ms), timeouts in a row that put the endpoint in the
 * slow lane (0: no slow lane), the slow lane's max in flight, whether attempts refused by the
 * circuit are parked (1/0). Returns {admitted, waitMs, why}; why is 'slow' for an endpoint refused
 * at the slow lane's cap, and a refusal at the cap adds the number of parked waiters and the cap in
 * effect. An admitted slot leaves the waiters. With circuit parking, an open circuit keeps one
 * refused attempt back for its probe (`kept`: handed the reopening time, as without parking) and
 * refuses the rest like a full endpoint (waitMs 0, with the waiters and the cap): they are parked
 * until the circuit closes; a half-open circuit refuses every attempt so.
 */
export const ADMIT_SCRIPT = `
local inflight, breaker, waiters = KEYS[1], KEYS[2], KEYS[3]
local slot = ARGV[1]
local cap = tonumber(ARGV[2])
local slotTtl = tonumber(ARGV[3])
local busyWait = tonumber(ARGV[4])
local breakerTtl = tonumber(ARGV[5])
local pace = tonumber(ARGV[6])
local slowAfter = tonumber(ARGV[7]) or 0
local slowCap = tonumber(ARGV[8]) or cap
local parkCircuit = ARGV[9] == '1'
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

-- The waiters ahead of a refused attempt, without the ones whose park is long over.
local function waitersNow()
  ${DROP_PAST_WAITERS}
  return redis.call('ZCARD', waiters)
end

-- The next free return time, not before earliest.
local function park(earliest)
  local line = tonumber(redis.call('HGET', breaker, 'line')) or 0
  local at = math.max(line, earliest)
  redis.call('HSET', breaker, 'line', at + pace)
  return at - now
end

local probe = false
local fields = redis.call('HMGET', breaker, 'state', 'slow')
local state = fields[1]
local full = 'busy'
if slowAfter > 0 and (tonumber(fields[2]) or 0) >= slowAfter and slowCap < cap then
  cap = slowCap
  full = 'slow'
end
if state == 'open' then
  local reopen = tonumber(redis.call('HGET', breaker, 'until')) or 0
  if now < reopen then
    if not parkCircuit then return {0, park(reopen), 'open'} end
    local kept = redis.call('HGET', breaker, 'kept')
    if kept and kept ~= slot then return {0, 0, 'open', waitersNow(), cap} end
    -- The attempt kept back for the probe: back at the reopening, not parked.
    redis.call('HSET', breaker, 'kept', slot)
    redis.call('ZREM', waiters, slot)
    return {0, reopen - now, 'open'}
  end
  probe = true
elseif state == 'half' then
  local probeUntil = tonumber(redis.call('HGET', breaker, 'probeUntil')) or 0
  if now < probeUntil then
    if parkCircuit then return {0, 0, 'half-open', waitersNow(), cap} end
    return {0, park(probeUntil), 'half-open'}
  end
  -- The probe's worker never reported back: send another probe.
  probe = true
end

redis.call('ZREMRANGEBYSCORE', inflight, '-inf', now)
if redis.call('ZSCORE', inflight, slot) == false and redis.call('ZCARD', inflight) >= cap then
  return {0, busyWait, full, waitersNow(), cap}
end
-- Woken (or back on its own): no longer waiting.
redis.call('ZREM', waiters, slot)
redis.call('ZADD', inflight, now + slotTtl, slot)
redis.call('PEXPIRE', inflight, slotTtl)
if probe then
  redis.call('HSET', breaker, 'state', 'half', 'probe', slot, 'probeUntil', now + slotTtl)
  redis.call('PEXPIRE', breaker, breakerTtl)
  return {1, 0, 'probe'}
end
return {1, 0, 'ok'}
`;

/**
 * KEYS: waiters, in-flight, breaker. ARGV: slot, the park's end (ms since epoch), most waiters, the
 * waiters' lifetime ms, and, to park only an attempt the endpoint would refuse now (1/0; one refused
 * elsewhere, at its owner's share), max in flight, timeouts in a row of the slow lane (0: none), the
 * slow lane's max in flight. Remembers a parked attempt (a slot already waiting takes its new end);
 * returns 1, 0 when the waiters are full, -1 when the endpoint would take the attempt now.
 */
export const PARK_SCRIPT = `
local waiters, inflight, breaker = KEYS[1], KEYS[2], KEYS[3]
local slot = ARGV[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if ARGV[5] == '1' then
  local f = redis.call('HMGET', breaker, 'state', 'slow', 'until', 'kept', 'probeUntil')
  local cap = tonumber(ARGV[6])
  local slowAfter = tonumber(ARGV[7])
  if slowAfter > 0 and (tonumber(f[2]) or 0) >= slowAfter then cap = math.min(cap, tonumber(ARGV[8])) end
  local refused
  if f[1] == 'open' and now < (tonumber(f[3]) or 0) then
    -- Until an attempt is kept back for the probe, this one could be it.
    refused = f[4] ~= false and f[4] ~= slot
  elseif f[1] == 'half' and now < (tonumber(f[5]) or 0) then
    refused = true
  else
    redis.call('ZREMRANGEBYSCORE', inflight, '-inf', now)
    refused = redis.call('ZCARD', inflight) >= cap
  end
  if not refused then return -1 end
end
${DROP_PAST_WAITERS}
if redis.call('ZSCORE', waiters, slot) == false and redis.call('ZCARD', waiters) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', waiters, tonumber(ARGV[2]), slot)
redis.call('PEXPIRE', waiters, tonumber(ARGV[4]))
return 1
`;

/**
 * ARGV: slot, ok (1/0), window ms, buckets in the window (BREAKER_BUCKETS, whose fields the script
 * reads), minimum attempts, failure ratio in
 * permille, failures in a row, open ms, breaker key lifetime ms, origin, timed out (1/0), waiters to
 * wake for the freed slot (-1: nobody is parked; 0: an attempt of the releasing process waits for
 * it), max in flight, timeouts in a row of the slow lane (0: none). Returns {what became of the
 * circuit: closed | opened | open | half | reopened | recovered, the waiters to wake as slot, end,
 * slot, end...}. One waiter per release, the slot it frees; as many as the endpoint has free slots
 * when the release takes it out of the slow lane or closes its circuit (its cap just grew); one when
 * it opens or re-opens the circuit (to be kept back for the next probe); none while it stays open.
 */
export const RELEASE_SCRIPT = `
local inflight, breaker, waiters, openSet = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local slot = ARGV[1]
local ok = ARGV[2] == '1'
local windowMs = tonumber(ARGV[3])
local buckets = tonumber(ARGV[4])
local minAttempts = tonumber(ARGV[5])
local ratio = tonumber(ARGV[6])
local streakLimit = tonumber(ARGV[7])
local openMs = tonumber(ARGV[8])
local breakerTtl = tonumber(ARGV[9])
local origin = ARGV[10]
local timedOut = ARGV[11] == '1'
local toWake = tonumber(ARGV[12]) or -1
local cap = tonumber(ARGV[13]) or 1
local slowAfter = tonumber(ARGV[14]) or 0
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

redis.call('ZREM', inflight, slot)
-- The slow lane: timeouts in a row. The key exists already (with its lifetime) in the open and half
-- states; in the closed state the end of this script sets its lifetime.
local wasSlow = slowAfter > 0 and (tonumber(redis.call('HGET', breaker, 'slow')) or 0) >= slowAfter
if timedOut then redis.call('HINCRBY', breaker, 'slow', 1) else redis.call('HDEL', breaker, 'slow') end

-- The waiters the freed slot (or slots) can take, oldest first. None while the circuit refuses
-- them, but one when it opens: refused, it is kept back for the probe (when circuit parking).
local function woken(verdict)
  if toWake < 0 or verdict == 'open' or verdict == 'half' then return {verdict, {}} end
  if ((wasSlow and not timedOut) and verdict == 'closed') or verdict == 'recovered' then
    toWake = math.max(toWake, cap - redis.call('ZCARD', inflight))
  end
  local slots = {}
  if toWake > 0 then
    ${DROP_PAST_WAITERS}
    slots = redis.call('ZPOPMIN', waiters, toWake)
  end
  return {verdict, slots}
end

local function open()
  -- A fresh window when the circuit closes again; the line of refused attempts and the slow lane carry on.
  local kept = redis.call('HMGET', breaker, 'line', 'slow')
  redis.call('DEL', breaker)
  redis.call('HSET', breaker, 'state', 'open', 'until', now + openMs, 'openedAt', now, 'line', kept[1] or 0, 'slow', kept[2] or 0)
  redis.call('PEXPIRE', breaker, breakerTtl)
  redis.call('ZADD', openSet, now + breakerTtl, origin)
end

-- Everything the release reads, in one call: state, probe, the streak, then n/t/f of every bucket.
local v = redis.call('HMGET', breaker, ${BREAKER_FIELDS})
local state = v[1]
if state == 'half' then
  -- Only the probe decides; an attempt admitted before the circuit opened says nothing new.
  if v[2] ~= slot then return woken('half') end
  if ok then
    redis.call('DEL', breaker)
    redis.call('ZREM', openSet, origin)
    return woken('recovered')
  end
  open()
  return woken('reopened')
end
if state == 'open' then return woken('open') end

-- Count this attempt in the current bucket (a bucket left from an earlier lap starts again at 0)
-- and sum the buckets still inside the window.
local bucketMs = math.max(1, math.floor(windowMs / buckets))
local current = math.floor(now / bucketMs)
local idx = current % buckets
local total, failures, bucketTotal, bucketFailures = 0, 0, 0, 0
for i = 0, buckets - 1 do
  local n = tonumber(v[4 + i * 3])
  local t = tonumber(v[5 + i * 3]) or 0
  local f = tonumber(v[6 + i * 3]) or 0
  if i == idx then
    if n ~= current then t, f = 0, 0 end
    t = t + 1
    if not ok then f = f + 1 end
    bucketTotal, bucketFailures = t, f
    total, failures = total + t, failures + f
  elseif n ~= nil and n > current - buckets then
    total, failures = total + t, failures + f
  end
end
local streak = 0
if not ok then streak = (tonumber(v[3]) or 0) + 1 end
redis.call('HSET', breaker, 'n' .. idx, current, 't' .. idx, bucketTotal, 'f' .. idx, bucketFailures, 'streak', streak)

if streak >= streakLimit or (total >= minAttempts and failures * 1000 >= ratio * total) then
  open()
  return woken('opened')
end
redis.call('PEXPIRE', breaker, breakerTtl)
return woken('closed')
`;
