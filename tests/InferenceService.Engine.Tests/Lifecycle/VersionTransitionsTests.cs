using InferenceService.Engine.Lifecycle;
using InferenceService.Engine.Serving;

namespace InferenceService.Engine.Tests.Lifecycle;

public class VersionTransitionsTests
{
    [Theory]
    [InlineData(null, ModelState.Unloaded)]
    [InlineData(null, ModelState.Loading)]
    [InlineData(ModelState.Unloaded, ModelState.Loading)]
    [InlineData(ModelState.Loading, ModelState.Ready)]
    [InlineData(ModelState.Loading, ModelState.Failed)]
    [InlineData(ModelState.Failed, ModelState.Loading)]
    [InlineData(ModelState.Ready, ModelState.Ready)]
    [InlineData(ModelState.Ready, ModelState.Draining)]
    [InlineData(ModelState.Draining, ModelState.Unloaded)]
    public void IsAllowed_TheDrawnMoves_AreAllowed(ModelState? from, ModelState to) =>
        Assert.True(VersionTransitions.IsAllowed(from, to));

    [Theory]
    [InlineData(null, ModelState.Ready)]
    [InlineData(null, ModelState.Draining)]
    [InlineData(ModelState.Unloaded, ModelState.Ready)]
    [InlineData(ModelState.Draining, ModelState.Ready)]
    [InlineData(ModelState.Draining, ModelState.Loading)]
    [InlineData(ModelState.Failed, ModelState.Ready)]
    [InlineData(ModelState.Loading, ModelState.Draining)]
    public void IsAllowed_MovesThatSkipAStep_AreRefused(ModelState? from, ModelState to) =>
        Assert.False(VersionTransitions.IsAllowed(from, to));

    [Fact]
    public void Check_RefusedMove_ThrowsNamingTheVersionAndBothStates()
    {
        var error = Assert.Throws<InvalidOperationException>(() => VersionTransitions.Check("m", 3, ModelState.Draining, ModelState.Ready));

        Assert.Contains("'m' version 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("Draining to Ready", error.Message, StringComparison.Ordinal);
    }
}
