using InferenceService.LoadGenerator.Reporting;

namespace InferenceService.LoadGenerator.Tests.Reporting;

public class TextTableTests
{
    [Fact]
    public void WriteTo_AlignsNumbersRightAndTheFirstColumnLeft()
    {
        var table = new TextTable("step", "req/s");
        table.AddRow("c=1", "5.0");
        table.AddRow("c=32", "1,234.5");
        using var writer = new StringWriter();

        table.WriteTo(writer);

        Assert.Equal(["step    req/s", "----  -------", "c=1       5.0", "c=32  1,234.5"], writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void WriteTo_TextLastColumn_AlignsItLeft()
    {
        var table = new TextTable("step", "details") { TextLastColumn = true };
        table.AddRow("c=1", "timeout:2");
        table.AddRow("c=2", "");
        using var writer = new StringWriter();

        table.WriteTo(writer);

        Assert.Equal(["step  details", "----  ---------", "c=1   timeout:2", "c=2"], writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void AddRow_WrongNumberOfCells_Throws() => Assert.Throws<ArgumentException>(() => new TextTable("a", "b").AddRow("1"));
}
