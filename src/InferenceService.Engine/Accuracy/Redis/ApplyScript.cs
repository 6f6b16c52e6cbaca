namespace InferenceService.Engine.Accuracy.Redis;

/// <summary>
/// The one script every write runs, so that a batch of writes is one round trip and applies whole. ARGV[1] is the
/// index in KEYS of a prediction to claim first (0: none): it must exist and be unscored, else nothing is applied and
/// the script answers -1 (gone) or 0 (already scored). The operations that follow, each naming its key by index:
/// <list type="bullet">
/// <item><c>P key ttl_ms made_at_ms data scored index</c>: keep a prediction (replacing one under the same key) and
/// queue it in the index by age.</item>
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
          if redis.call('EXISTS', prediction) == 0 then return -1 end
          if redis.call('HSETNX', prediction, 's', '1') == 0 then return 0 end
        end
        local i = 2
        local n = #ARGV
        while i <= n do
          local op = ARGV[i]
          local key = KEYS[tonumber(ARGV[i + 1])]
          if op == 'P' then
            redis.call('DEL', key)
            if ARGV[i + 5] == '1' then
              redis.call('HSET', key, 'd', ARGV[i + 4], 's', '1')
            else
              redis.call('HSET', key, 'd', ARGV[i + 4])
            end
            redis.call('PEXPIRE', key, ARGV[i + 2])
            redis.call('ZADD', KEYS[tonumber(ARGV[i + 6])], ARGV[i + 3], key)
            i = i + 7
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
