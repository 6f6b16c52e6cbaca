using InferenceService.LoadGenerator.Cli;

namespace InferenceService.LoadGenerator.Tests.Cli;

public class LoopbackTargetTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8080")]
    [InlineData("http://127.0.0.1:8080/")]
    [InlineData("http://localhost:8080")]
    [InlineData("http://LOCALHOST:5000")]
    [InlineData("https://127.0.0.1:8443")]
    [InlineData("http://127.10.20.30:8080")]
    [InlineData("http://[::1]:8080")]
    public void Parse_LoopbackBaseUrl_IsAccepted(string url)
    {
        var uri = LoopbackTarget.Parse(url, out var problem);

        Assert.Null(problem);
        Assert.NotNull(uri);
    }

    [Theory]
    [InlineData("http://10.0.0.1:8080")]
    [InlineData("http://192.168.1.20:8080")]
    [InlineData("http://0.0.0.0:8080")]
    [InlineData("http://example.com:8080")]
    [InlineData("http://localhost.example.com:8080")]
    [InlineData("http://[2001:db8::1]:8080")]
    public void Parse_HostOtherThanThisMachine_IsRefusedNamingTheHost(string url)
    {
        var uri = LoopbackTarget.Parse(url, out var problem);

        Assert.Null(uri);
        Assert.Contains("is not this machine", problem);
    }

    [Theory]
    [InlineData("http://2130706433:8080")]
    [InlineData("http://127.1:8080")]
    public void Parse_ShorthandLoopbackAddress_IsTheCanonicalAddressThatWillBeConnectedTo(string url)
    {
        var uri = LoopbackTarget.Parse(url, out _);

        Assert.Equal("127.0.0.1", uri!.Host);
    }

    [Theory]
    [InlineData("10.1")]
    [InlineData("2130706433")]
    [InlineData("[::2]")]
    [InlineData("")]
    public void IsLoopbackHost_ShorthandOrOtherAddress_IsFalse(string host) => Assert.False(LoopbackTarget.IsLoopbackHost(host));

    [Theory]
    [InlineData("ftp://127.0.0.1:21", "http or https")]
    [InlineData("127.0.0.1:8080", "must")]
    [InlineData("", "absolute http URL")]
    [InlineData("http://127.0.0.1:8080/v2/models/x/infer", "base URL")]
    [InlineData("http://user:secret@127.0.0.1:8080", "base URL")]
    [InlineData("http://127.0.0.1:8080/?q=1", "base URL")]
    public void Parse_NotABaseHttpUrl_IsRefused(string url, string expected)
    {
        var uri = LoopbackTarget.Parse(url, out var problem);

        Assert.Null(uri);
        Assert.Contains(expected, problem);
    }
}
