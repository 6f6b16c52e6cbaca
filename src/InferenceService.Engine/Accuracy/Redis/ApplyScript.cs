namespace InferenceService.Engine.Accuracy.Redis;

/// <summary>
/// The one script every write runs, so that a batch of writes is one round trip and applies whole. A kept prediction
/// is a string: one byte, '1' once scored and '0' before, then its encoding. The arguments:
/// <list type="bullet">
/// <item><c>ARGV[1]</c>: the index in KEYS of a prediction to claim first (0: none). It must exist and be unscored, else
/// nothing is applied and the script answers -1 (gone) or 0 (already scored); claiming sets its first byte, keeping its
/// expiry.</item>
/// <item><c>ARGV[2..4]</c>: <c>kept ttl_ms capacity</c>. KEYS[1] is the index (a list of kept keys, oldest first),
/// KEYS[2..kept+1] the kept predictions' keys and ARGV[5..kept+4] their values: each is set with the TTL and pushed on the
/// index, and the index's oldest beyond <c>capacity</c> are popped and unlinked. The index expires a TTL after its last
/// write, so an idle service leaves nothing behind.</item>
/// </list>
/// The operations that follow, each naming its key by index:
/// <list type="bullet">
/// <item><c>R key capacity count row…</c>: append rows to a list and keep its newest <c>capacity</c>.</item>
/// <item><c>I|F key ttl_ms count (field increment)…</c>: add integer (I) or float (F) counts to a hash that expires.</item>
/// </list>
/// Answers 1 when applied. Needs Redis 6.2 or later (LPOP with a count).
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
        local kept = tonumber(ARGV[2])
        if kept > 0 then
          local ttl = ARGV[3]
          for j = 1, kept do
            redis.call('SET', KEYS[j + 1], ARGV[j + 4], 'PX', ttl)
          end
          local index = KEYS[1]
          local size = 0
          local from = 2
          while from <= kept + 1 do
            local to = math.min(from + 999, kept + 1)
            size = redis.call('RPUSH', index, unpack(KEYS, from, to))
            from = to + 1
          end
          redis.call('PEXPIRE', index, ttl)
          local excess = size - tonumber(ARGV[4])
          while excess > 0 do
            local oldest = redis.call('LPOP', index, math.min(excess, 1000))
            redis.call('UNLINK', unpack(oldest))
            excess = excess - #oldest
          end
        end
        local i = 5 + kept
        local n = #ARGV
        while i <= n do
          local op = ARGV[i]
          local key = KEYS[tonumber(ARGV[i + 1])]
          if op == 'R' then
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
          else
            return redis.error_reply('unknown operation ' .. tostring(op))
          end
        end
        return 1
        """;
}
