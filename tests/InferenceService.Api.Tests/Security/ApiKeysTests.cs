using InferenceService.Security;
using Microsoft.Extensions.Configuration;

namespace InferenceService.Api.Tests.Security;

/// <summary>The key store: hashed and plain keys, near misses, and settings that stop the host.</summary>
public sealed class ApiKeysTests
{
    private static ApiKeys Load(Dictionary<string, string?> settings) =>
        SecuritySettings.Load(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), TimeProvider.System);

    [Fact]
    public void Find_HashedAndPlainKeys_FindsEachByItsKey()
    {
        var keys = Load(TestKeys.Settings());
        foreach (var scope in Scopes.All)
        {
            Assert.Equal(scope, keys.Find(TestKeys.Only(scope))?.Id);
            Assert.Equal("no-" + scope, keys.Find(TestKeys.AllBut(scope))?.Id);
            Assert.Equal(ScopeSets.Of(scope), keys.Find(TestKeys.Only(scope))!.Scopes);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("only-infer-0123456789abcde")]
    [InlineData("only-infer-0123456789abcdeF")]
    [InlineData("only-infer-0123456789abcdef ")]
    [InlineData("ONLY-INFER-0123456789ABCDEF")]
    public void Find_NearMiss_FindsNothing(string presented)
    {
        Assert.Null(Load(TestKeys.Settings()).Find(presented));
    }

    [Fact]
    public void Find_KeyHashInUpperCaseHex_FindsTheKey()
    {
        var settings = new Dictionary<string, string?>();
        TestKeys.Add(settings, 0, "app", "a-long-enough-key-for-the-app", ["infer"], hashed: true);
        settings["Authentication:ApiKeys:0:KeyHash"] = settings["Authentication:ApiKeys:0:KeyHash"]!.ToUpperInvariant();
        Assert.Equal("app", Load(settings).Find("a-long-enough-key-for-the-app")?.Id);
    }

    [Fact]
    public void HashOf_Key_IsTheHexSha256OfItsUtf8()
    {
        // printf %s 'abc' | sha256sum
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ApiKeys.HashOf("abc"));
    }

    [Fact]
    public void Load_ScopesAsOneCommaSeparatedValue_ReadsEveryScope()
    {
        var keys = Load(new Dictionary<string, string?>
        {
            ["Authentication:ApiKeys:0:Id"] = "app",
            ["Authentication:ApiKeys:0:Key"] = "a-long-enough-key-for-the-app",
            ["Authentication:ApiKeys:0:Scopes"] = "infer, metrics",
        });
        Assert.Equal(ScopeSet.Infer | ScopeSet.Metrics, keys.Find("a-long-enough-key-for-the-app")!.Scopes);
    }

    [Fact]
    public void Load_EveryMistake_ReportedAtOnceWithoutTheKey()
    {
        var secret = "a-secret-key-that-is-long-enough";
        var error = Assert.Throws<InvalidOperationException>(() => Load(new Dictionary<string, string?>
        {
            ["Authentication:ApiKeys:0:Id"] = "app",
            ["Authentication:ApiKeys:0:Key"] = secret,
            ["Authentication:ApiKeys:0:KeyHash"] = "abc",
            ["Authentication:ApiKeys:0:Scopes:0"] = "inference",
            ["Authentication:ApiKeys:1:Key"] = "short",
            ["Authentication:ApiKeys:1:Scopes:0"] = "infer",
            ["Authentication:ApiKeys:1:RequestsPerSecond"] = "-1",
            ["Authentication:ApiKeys:2:Id"] = "dup",
            ["Authentication:ApiKeys:2:KeyHash"] = "zz",
            ["Authentication:ApiKeys:2:Scopes:0"] = "infer",
        }));
        Assert.Contains("exactly one of KeyHash", error.Message, StringComparison.Ordinal);
        Assert.Contains("'inference' is not a scope", error.Message, StringComparison.Ordinal);
        Assert.Contains("Id is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("shorter than 16", error.Message, StringComparison.Ordinal);
        Assert.Contains("RequestsPerSecond must be", error.Message, StringComparison.Ordinal);
        Assert.Contains("KeyHash must be 64 hex digits", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("short'", error.Message, StringComparison.Ordinal);
    }
}
