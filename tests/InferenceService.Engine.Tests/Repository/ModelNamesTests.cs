using InferenceService.Engine.Repository;

namespace InferenceService.Engine.Tests.Repository;

/// <summary>Every form a name can take to leave its folder, and names that must pass.</summary>
public sealed class ModelNamesTests
{
    [Theory]
    [InlineData("iris")]
    [InlineData("resnet-50_v1.5")]
    [InlineData("A1")]
    [InlineData("model.onnx")]
    [InlineData(".hidden")]
    [InlineData("...")]
    public void Problem_ValidName_IsNull(string name) => Assert.Null(ModelNames.Problem(name));

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("../etc")]
    [InlineData("..\\etc")]
    [InlineData("a/../../b")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("/etc/passwd")]
    [InlineData("C:\\Windows")]
    [InlineData("c:model")]
    [InlineData("%2e%2e")]
    [InlineData("..%2f..%2fetc")]
    [InlineData("http://example/model")]
    [InlineData("file:///etc/passwd")]
    [InlineData("a b")]
    [InlineData("a\0b")]
    [InlineData("a\nb")]
    [InlineData("\u2024\u2024")]           // one dot leader, twice: looks like ".."
    [InlineData("\uff0e\uff0e\uff0fetc")]  // full-width "../"
    [InlineData("mod\u0435l")]             // a Cyrillic e
    public void Problem_NameThatCouldLeaveItsFolder_SaysWhy(string name) => Assert.NotNull(ModelNames.Problem(name));

    [Fact]
    public void Problem_TooLong_SaysTheLimit()
    {
        Assert.Null(ModelNames.Problem(new string('a', ModelNames.MaxLength)));
        Assert.Contains("255", ModelNames.Problem(new string('a', ModelNames.MaxLength + 1)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("labels.txt", true)]
    [InlineData("../labels.txt", false)]
    [InlineData("sub/labels.txt", false)]
    public void FileProblem_LabelFileNames(string fileName, bool valid) => Assert.Equal(valid, ModelNames.FileProblem(fileName) is null);
}
