using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>
/// Reads every error answer (status 400 or more) an in-memory service gives, whichever test caused it and whether or
/// not that test looks at the body, and keeps those that carry a stack trace, a .NET type or exception name, a
/// file-system path of the test run, or an API key of the tests. <see cref="InferenceServiceFactory"/> installs it
/// first in the pipeline and fails its disposal when anything was found, so every suite's error bodies are checked.
/// </summary>
public sealed class ErrorBodyAudit : IStartupFilter
{
    private const int MaxCaptured = 64 * 1024;

    /// <summary>Every key of the tests ends so (see Security/TestKeys and the other fixtures' keys).</summary>
    public const string TestKeySuffix = "-0123456789abcdef";

    private readonly ConcurrentQueue<string> _leaks = new();
    private int _checked;

    public IReadOnlyList<string> Leaks => _leaks.ToArray();

    public int Checked => _checked;

    /// <summary>Forgets what was found (for the test that shows the audit finds a leak).</summary>
    public void Forget() => _leaks.Clear();

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, nextMiddleware) =>
        {
            var original = context.Response.Body;
            using var capture = new CapturingStream(original);
            context.Response.Body = capture;
            try
            {
                await nextMiddleware(context);
            }
            finally
            {
                context.Response.Body = original;
            }
            if (context.Response.StatusCode >= 400 && capture.Captured.Length > 0)
            {
                Inspect($"{context.Request.Method} {context.Request.Path} {context.Response.StatusCode}", Encoding.UTF8.GetString(capture.Captured.ToArray()));
            }
        });
        next(app);
    };

    private void Inspect(string request, string body)
    {
        Interlocked.Increment(ref _checked);
        string[] forbidden =
        [
            "   at ", "System.", "Exception", Path.GetTempPath().TrimEnd('/'), TestPaths.RepositoryRoot,
            AppContext.BaseDirectory.TrimEnd('/'), "inference-api-tests-", TestKeySuffix,
        ];
        foreach (var text in forbidden)
        {
            if (body.Contains(text, StringComparison.Ordinal))
            {
                _leaks.Enqueue($"{request}: the body holds '{text}': {body[..Math.Min(body.Length, 500)]}");
            }
        }
    }

    /// <summary>Passes everything written through, keeping a copy of the first 64 KB.</summary>
    private sealed class CapturingStream(Stream inner) : Stream
    {
        public MemoryStream Captured { get; } = new();

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            Keep(buffer.AsSpan(offset, count));
            inner.Write(buffer, offset, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Keep(buffer.Span);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private void Keep(ReadOnlySpan<byte> data)
        {
            var room = MaxCaptured - (int)Captured.Length;
            if (room > 0)
            {
                Captured.Write(data[..Math.Min(room, data.Length)]);
            }
        }
    }
}
