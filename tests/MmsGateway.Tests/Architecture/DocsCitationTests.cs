using System.Text.RegularExpressions;
using MmsGateway.Tests.Deployment;

namespace MmsGateway.Tests.Architecture;

/// <summary>
/// Every citation in the code and the documents is a link that resolves inside the repository: a fresh clone can
/// follow each <c>docs/…md#anchor</c> to the file and the section it names. Citations of documents outside the
/// repository, and "(issue N)" in place of the requirement, are refused.
/// </summary>
public sealed partial class DocsCitationTests
{
    /// <summary>What the checks read: tracked text of the code, the tests, the benchmarks, the chart and the documents.</summary>
    private static readonly string[] Roots = ["src", "tests", "benchmarks", "charts", "scripts", "docs", "web"];
    private static readonly string[] TopFiles = ["README.md", "Dockerfile", "docker-compose.yml", "test.sh", "run.sh"];
    private static readonly string[] TextExtensions = [".cs", ".md", ".csproj", ".props", ".sh", ".yaml", ".yml", ".tpl", ".txt", ".json", ".html", ".css", ".mjs", ".js"];

    [Fact]
    public void Every_docs_citation_names_a_file_and_a_section_that_exist()
    {
        var anchors = new Dictionary<string, HashSet<string>?>();
        var problems = new List<string>();
        var count = 0;
        foreach (var (file, text) in TextFiles())
        {
            foreach (Match m in DocsCitation().Matches(text))
            {
                count++;
                var target = m.Groups["path"].Value;
                var anchor = m.Groups["anchor"].Success ? m.Groups["anchor"].Value.TrimEnd('.') : null;
                var known = anchors.TryGetValue(target, out var set) ? set : anchors[target] = AnchorsOf(target);
                if (known is null) problems.Add($"{Relative(file)}: {target} does not exist");
                else if (anchor is not null && !known.Contains(anchor)) problems.Add($"{Relative(file)}: {target} has no section #{anchor}");
            }
        }
        Assert.True(problems.Count == 0, $"{problems.Count} broken citations:\n" + string.Join("\n", problems.Distinct()));
        Assert.True(count > 200, $"only {count} citations found: the check reads too little");
    }

    [Fact]
    public void Relative_links_between_the_documents_resolve()
    {
        var problems = new List<string>();
        foreach (var (file, text) in TextFiles().Where(f => f.File.EndsWith(".md", StringComparison.Ordinal)))
        {
            foreach (Match m in MarkdownLink().Matches(text))
            {
                var href = m.Groups["href"].Value;
                if (href.Contains("://", StringComparison.Ordinal) || href.StartsWith("mailto:", StringComparison.Ordinal)) continue;
                var hash = href.IndexOf('#');
                var path = hash >= 0 ? href[..hash] : href;
                var anchor = hash >= 0 ? href[(hash + 1)..] : null;
                var target = path.Length == 0 ? file : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, path));
                if (!File.Exists(target) && !Directory.Exists(target)) { problems.Add($"{Relative(file)}: link to {href}: no such file"); continue; }
                if (anchor is not null && target.EndsWith(".md", StringComparison.Ordinal) && !(AnchorsOf(Relative(target))?.Contains(anchor) ?? false))
                    problems.Add($"{Relative(file)}: link to {href}: no such section");
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems.Distinct()));
    }

    [Fact]
    public void Nothing_cites_documents_outside_the_repository_or_issue_numbers()
    {
        var problems = new List<string>();
        foreach (var (file, text) in TextFiles())
        {
            var rel = Relative(file);
            foreach (Match m in OutOfTreeCitation().Matches(text)) problems.Add($"{rel}: cites {m.Value} (outside the repository)");
            foreach (Match m in IssueNumber().Matches(text)) problems.Add($"{rel}: \"{m.Value}\" (say the requirement instead)");
        }
        Assert.True(problems.Count == 0, $"{problems.Count} found:\n" + string.Join("\n", problems.Distinct()));
    }

    [Fact]
    public void Anchors_are_read_from_explicit_ids_and_headings()
    {
        // The anchor reader is what the citation check stands on: an explicit id and a heading slug are both found,
        // and a name that is neither is not.
        var dir = Directory.CreateTempSubdirectory("mmsgw-docs-");
        try
        {
            var md = Path.Combine(dir.FullName, "x.md");
            File.WriteAllText(md, "<a id=\"s1.5.9\"></a>\n### 1.5.9 StartPlaying (C→S)\n## Data flow: socket to viewer\n");
            var anchors = ReadAnchors(md);
            Assert.Contains("s1.5.9", anchors);
            Assert.Contains("data-flow-socket-to-viewer", anchors);
            Assert.DoesNotContain("s1.5.8", anchors);
        }
        finally { dir.Delete(recursive: true); }
    }

    private static HashSet<string>? AnchorsOf(string repoRelativePath)
    {
        var full = RepoPaths.Combine(repoRelativePath.Split('/'));
        return File.Exists(full) ? ReadAnchors(full) : null;
    }

    private static HashSet<string> ReadAnchors(string file)
    {
        var text = File.ReadAllText(file);
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match m in ExplicitAnchor().Matches(text)) set.Add(m.Groups["id"].Value);
        foreach (Match m in Heading().Matches(text)) set.Add(Slug(m.Groups["title"].Value));
        return set;
    }

    /// <summary>GitHub's heading slug: lower case, punctuation dropped, spaces to hyphens.</summary>
    private static string Slug(string title)
    {
        var lower = title.Trim().ToLowerInvariant();
        var kept = new string([.. lower.Where(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '_')]);
        return kept.Replace(' ', '-');
    }

    private static IEnumerable<(string File, string Text)> TextFiles()
    {
        var files = Roots.Select(r => RepoPaths.Combine(r)).Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories))
            .Concat(TopFiles.Select(f => RepoPaths.Combine(f)).Where(File.Exists));
        foreach (var file in files)
        {
            var rel = Relative(file);
            if (rel.Contains("/bin/", StringComparison.Ordinal) || rel.Contains("/obj/", StringComparison.Ordinal)
                || rel.Contains("node_modules/", StringComparison.Ordinal) || rel.EndsWith(".min.js", StringComparison.Ordinal)
                || rel.StartsWith("tests/MmsGateway.Tests/Architecture/", StringComparison.Ordinal)
                || !TextExtensions.Contains(Path.GetExtension(file))) continue;
            yield return (file, File.ReadAllText(file));
        }
    }

    private static string Relative(string file) => Path.GetRelativePath(RepoPaths.Root, file).Replace('\\', '/');

    [GeneratedRegex(@"(?<![\w/.-])(?<path>docs/[\w/.-]+?\.md)(?:#(?<anchor>[\w.-]+))?")]
    private static partial Regex DocsCitation();

    [GeneratedRegex(@"\]\((?<href>[^)\s]+)\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"(?<![\w/.-])(?:protocol|design|rtsp|rtsp-detail)\.md\b")]
    private static partial Regex OutOfTreeCitation();

    [GeneratedRegex(@"\b[Ii]ssues? #?\d+\b")]
    private static partial Regex IssueNumber();

    [GeneratedRegex(@"<a\s+id=""(?<id>[^""]+)""")]
    private static partial Regex ExplicitAnchor();

    [GeneratedRegex(@"^#{1,6}\s+(?<title>.+?)\s*$", RegexOptions.Multiline)]
    private static partial Regex Heading();
}
