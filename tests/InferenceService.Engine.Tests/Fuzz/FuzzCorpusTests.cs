using InferenceService.Fuzz;

namespace InferenceService.Engine.Tests.Fuzz;

/// <summary>
/// Every input the fuzzers keep (tests/InferenceService.Fuzz/corpus/&lt;target&gt;: the seeds and what a run found
/// worth keeping) and every crash they found (crashes/&lt;target&gt;, kept after the fix), run through the same
/// targets: each must end as a client error or not at all.
/// </summary>
public sealed class FuzzCorpusTests
{
    private static readonly string s_root = FindFuzzFolder();

    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        foreach (var target in FuzzTargets.All.Keys)
        {
            foreach (var kind in new[] { "corpus", "crashes" })
            {
                var folder = Path.Combine(s_root, kind, target);
                if (!Directory.Exists(folder))
                {
                    continue;
                }
                foreach (var file in Directory.EnumerateFiles(folder).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal))
                {
                    data.Add(target, Path.GetRelativePath(s_root, file));
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Target_KeptInput_EndsAsAClientErrorOrNotAtAll(string target, string file)
    {
        FuzzTargets.All[target](File.ReadAllBytes(Path.Combine(s_root, file)));
    }

    [Fact]
    public void Corpus_EveryTarget_HasSeeds()
    {
        foreach (var target in FuzzTargets.All.Keys)
        {
            Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(s_root, "corpus", target)));
        }
    }

    private static string FindFuzzFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "InferenceService.Fuzz");
            if (Directory.Exists(Path.Combine(candidate, "corpus")))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException("tests/InferenceService.Fuzz/corpus is not above the test binaries.");
    }
}
