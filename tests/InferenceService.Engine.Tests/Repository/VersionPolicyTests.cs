using InferenceService.Engine.Repository;
using InferenceService.Engine.Tests.TestSupport;

namespace InferenceService.Engine.Tests.Repository;

public class VersionPolicyTests
{
    private static readonly long[] s_available = [3, 1, 10, 2];

    private static VersionPolicyConfig? Policy(string json) => Configs.Parse($$"""{ "version_policy": {{json}} }""").VersionPolicy;

    [Fact]
    public void Select_NoPolicy_ServesTheLatestVersionOnly()
    {
        Assert.Equal([10L], VersionPolicy.Select(null, s_available));
    }

    [Theory]
    [InlineData(1, new long[] { 10 })]
    [InlineData(2, new long[] { 10, 3 })]
    [InlineData(4, new long[] { 10, 3, 2, 1 })]
    [InlineData(9, new long[] { 10, 3, 2, 1 })]
    public void Select_LatestN_ServesTheNewestNNewestFirst(int count, long[] expected)
    {
        Assert.Equal(expected, VersionPolicy.Select(Policy($$"""{ "latest": { "num_versions": {{count}} } }"""), s_available));
    }

    [Fact]
    public void Select_All_ServesEveryVersionNewestFirst()
    {
        Assert.Equal([10L, 3, 2, 1], VersionPolicy.Select(Policy("""{ "all": {} }"""), s_available));
    }

    [Fact]
    public void Select_Specific_ServesTheListedVersionsOnceEachNewestFirst()
    {
        Assert.Equal([3L, 1], VersionPolicy.Select(Policy("""{ "specific": { "versions": [1, 3, 1] } }"""), s_available));
    }

    [Fact]
    public void Select_SpecificVersionNotPresent_IsStillAskedFor()
    {
        // Asked for but absent: its load fails and says so, rather than the model silently serving less.
        Assert.Equal([7L, 2], VersionPolicy.Select(Policy("""{ "specific": { "versions": [2, 7] } }"""), s_available));
    }

    [Fact]
    public void Select_NoVersionsAvailable_SelectsNone()
    {
        Assert.Empty(VersionPolicy.Select(null, []));
        Assert.Empty(VersionPolicy.Select(Policy("""{ "all": {} }"""), []));
    }
}
