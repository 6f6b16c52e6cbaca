namespace InferenceService.Engine.Accuracy.Redis;

/// <summary>
/// The one script every write runs, so that a batch of writes is one round trip and applies whole. A kept prediction
/// is a string: one byte, '1' once scored and '0' before, then its encoding. ARGV[1] is the index in KEYS of a
/// prediction to claim first (0: none): it must exist and be unscored, else nothing is applied and the script answers
/// -1 (gone) or 0 (already scored); claiming sets its first byte, keeping its expiry. The operations that follow, each
/// naming its key by index:
/// <list type="bullet">
/// <item><c>P key ttl_ms made_at_ms value index</c>: keep a prediction (replacing one under the same key) and queue it
/// in the index by age (one ZADD for the whole batch).</item>
/// <item><c>R key capacity count row…</c>: append rows to a list and keep its newest <c>capacity</c>.</item>
/// <item><c>I|F key ttl_ms count (field increment)…</c>: add integer (I) or float (F) counts to a hash that expires.</item>
/// <item><c>T key ttl_ms capacity now_ms</c>: forget the index's expired predictions, then the oldest beyond capacity.</item>
/// </list>
/// Answers 1 when applied.
/// </summary>
internal static class ApplyScript
{
    public const string Text = """
        local claim = tonumber(ARGV[1])
        if claim > 0 then
          local prediction = KEYS[claim]
          local state = redis.call('GETRANGE', prediction, 0, 0)
          if state == '' then return -1 end
          if state == '1' then return 0 end
          redis.call('SETRANGE', prediction, 0, '1')
        end
        local queued = {}
        local index = nil
        local i = 2
        local n = #ARGV
        while i <= n do
          local op = ARGV[i]
          local key = KEYS[tonumber(ARGV[i + 1])]
          if op == 'P' then
            redis.call('SET', key, ARGV[i + 4], 'PX', ARGV[i + 2])
            index = KEYS[tonumber(ARGV[i + 5])]
            queued[#queued + 1] = ARGV[i + 3]
            queued[#queued + 1] = key
            i = i + 6
          elseif op == 'R' then
            local capacity = tonumber(ARGV[i + 2])
            local first = i + 4
            local last = first + tonumber(ARGV[i + 3]) - 1
            local from = first
            while from <= last do
              local to = math.min(from + 999, last)
              redis.call('RPUSH', key, unpack(ARGV, from, to))
              from = to + 1
            end
            redis.call('LTRIM', key, -capacity, -1)
            i = last + 1
          elseif op == 'I' or op == 'F' then
            local count = tonumber(ARGV[i + 3])
            local command = op == 'I' and 'HINCRBY' or 'HINCRBYFLOAT'
            for j = 0, count - 1 do
              redis.call(command, key, ARGV[i + 4 + 2 * j], ARGV[i + 5 + 2 * j])
            end
            redis.call('PEXPIRE', key, ARGV[i + 2])
            i = i + 4 + 2 * count
          elseif op == 'T' then
            local from = 1
            while from <= #queued do
              local to = math.min(from + 999, #queued)
              redis.call('ZADD', key, unpack(queued, from, to))
              from = to + 1
            end
            queued = {}
            local ttl = tonumber(ARGV[i + 2])
            local capacity = tonumber(ARGV[i + 3])
            local now = tonumber(ARGV[i + 4])
            redis.call('ZREMRANGEBYSCORE', key, '-inf', now - ttl)
            local size = redis.call('ZCARD', key)
            if size > capacity then
              local oldest = redis.call('ZRANGE', key, 0, size - capacity - 1)
              for _, old in ipairs(oldest) do
                redis.call('DEL', old)
              end
              redis.call('ZREMRANGEBYRANK', key, 0, size - capacity - 1)
            end
            i = i + 5
          else
            return redis.error_reply('unknown operation ' .. tostring(op))
          end
        end
        return 1
        """;
}
