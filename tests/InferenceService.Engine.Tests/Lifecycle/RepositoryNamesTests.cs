using InferenceService.Engine.Lifecycle;

namespace InferenceService.Engine.Tests.Lifecycle;

public class RepositoryNamesTests
{
    private static readonly string s_root = Path.Combine(Path.GetTempPath(), "repository");

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("../etc")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("/etc")]
    [InlineData(".hidden")]
    [InlineData("_private")]
    [InlineData("c:model")]
    [InlineData("")]
    [InlineData("a\0b")]
    public void CheckModelName_NotOneFolderOfTheRepository_IsAClientError(string name)
    {
        var error = Assert.Throws<InferenceException>(() => RepositoryNames.CheckModelName(name, s_root));

        Assert.Equal(InferenceErrorKind.InvalidInput, error.Kind);
        Assert.DoesNotContain(s_root, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("iris")]
    [InlineData("resnet-50.v2")]
    public void CheckModelName_PlainName_Passes(string name) => RepositoryNames.CheckModelName(name, s_root);

    [Theory]
    [InlineData("1/model.onnx", "1/model.onnx")]
    [InlineData("labels.txt", "labels.txt")]
    [InlineData("warmup/x.bin", "warmup/x.bin")]
    public void CheckUploadedFile_AVersionFileOrAModelFile_GivesItsRelativePath(string given, string expected) =>
        Assert.Equal(expected.Replace('/', Path.DirectorySeparatorChar), RepositoryNames.CheckUploadedFile(given));

    [Theory]
    [InlineData("../model.onnx")]
    [InlineData("1/../../x")]
    [InlineData("/etc/passwd")]
    [InlineData("1\\model.onnx")]
    [InlineData("01/model.onnx")]
    [InlineData("0/model.onnx")]
    [InlineData("1/2/model.onnx")]
    [InlineData("other/model.onnx")]
    [InlineData("config.json")]
    [InlineData("")]
    public void CheckUploadedFile_AnythingElse_IsAClientError(string given) =>
        Assert.Equal(InferenceErrorKind.InvalidInput, Assert.Throws<InferenceException>(() => RepositoryNames.CheckUploadedFile(given)).Kind);
}
