using System.Text.RegularExpressions;
using System.Xml.Linq;
using MmsGateway.Tests.Deployment;

namespace MmsGateway.Tests.Architecture;

/// <summary>
/// The intended layering, read from the project files and the sources (docs/design.md#layering): the ASF codecs know no
/// transport and no host; the MMS protocols know no host and no origin; the origin knows no host; inside the host the
/// feature folders depend on one another without a cycle. Any arrow against these fails here, naming the file.
/// </summary>
public sealed partial class LayeringTests
{
    /// <summary>Each library and the libraries it may reference (directly). The host is the composition root.</summary>
    private static readonly Dictionary<string, string[]> AllowedReferences = new()
    {
        ["MmsGateway.Asf"] = [],
        ["MmsGateway.Asf.Files"] = ["MmsGateway.Asf"],
        ["MmsGateway.Mms"] = ["MmsGateway.Asf", "MmsGateway.Asf.Files"],
        ["MmsGateway.Origin"] = ["MmsGateway.Mms", "MmsGateway.Asf", "MmsGateway.Asf.Files"],
        ["MmsGateway"] = ["MmsGateway.Origin", "MmsGateway.Mms", "MmsGateway.Asf", "MmsGateway.Asf.Files"],
    };

    /// <summary>Framework namespaces a library must not use: what would make it a host, or give the codecs I/O.</summary>
    private static readonly Dictionary<string, string[]> ForbiddenNamespaces = new()
    {
        ["MmsGateway.Asf"] = ["Microsoft.AspNetCore", "Microsoft.Extensions.Hosting", "System.Net", "System.IO.Pipelines", "Microsoft.Extensions.Logging"],
        ["MmsGateway.Asf.Files"] = ["Microsoft.AspNetCore", "Microsoft.Extensions.Hosting", "System.Net"],
        ["MmsGateway.Mms"] = ["Microsoft.AspNetCore", "Microsoft.Extensions.Hosting"],
        ["MmsGateway.Origin"] = ["Microsoft.AspNetCore", "Microsoft.Extensions.Hosting"],
    };

    [Fact]
    public void Project_references_follow_the_layering()
    {
        var problems = new List<string>();
        foreach (var (project, references) in ProjectReferences())
        {
            if (!AllowedReferences.TryGetValue(project, out var allowed))
            {
                problems.Add($"{project}: a library the layering does not know (add it to {nameof(AllowedReferences)})");
                continue;
            }
            problems.AddRange(references.Where(r => !allowed.Contains(r)).Select(r => $"{project} references {r}"));
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Libraries_take_no_asp_net_core_framework_reference()
    {
        var problems = new List<string>();
        foreach (var csproj in SourceProjects())
        {
            var name = Path.GetFileNameWithoutExtension(csproj);
            if (name == "MmsGateway") continue;
            var xml = XDocument.Load(csproj);
            if (xml.Descendants("FrameworkReference").Any(e => (string?)e.Attribute("Include") == "Microsoft.AspNetCore.App"))
                problems.Add($"{name} takes the ASP.NET Core framework");
            if ((xml.Root?.Attribute("Sdk")?.Value ?? "").Contains("Web", StringComparison.Ordinal))
                problems.Add($"{name} uses the web SDK");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Sources_use_only_the_namespaces_their_project_may_see()
    {
        var references = ProjectReferences();
        var problems = new List<string>();
        foreach (var (project, file, text) in SourceFiles())
        {
            var used = UsedNamespaces(text).ToHashSet();
            foreach (var ns in used)
            {
                var owner = OwningProject(ns);
                if (owner is null || owner == project) continue;
                if (!AllowedReferences.GetValueOrDefault(project, []).Contains(owner))
                    problems.Add($"{Relative(file)} ({project}) uses {ns} of {owner}");
                else if (!references[project].Contains(owner))
                    problems.Add($"{Relative(file)} ({project}) uses {ns} of {owner} without referencing {owner} directly");
            }
            foreach (var forbidden in ForbiddenNamespaces.GetValueOrDefault(project, []))
            {
                if (used.Any(u => u == forbidden || u.StartsWith(forbidden + ".", StringComparison.Ordinal)))
                    problems.Add($"{Relative(file)} ({project}) uses {forbidden}");
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems.Distinct()));
    }

    [Fact]
    public void The_asf_codecs_do_no_io()
    {
        var problems = SourceFiles()
            .Where(f => f.Project == "MmsGateway.Asf")
            .Where(f => IoCall().IsMatch(StripComments(f.Text)))
            .Select(f => $"{Relative(f.File)}: {IoCall().Match(StripComments(f.Text)).Value}")
            .ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void The_host_feature_folders_form_no_cycle()
    {
        // Feature namespace -> the feature namespaces its files use. The root namespace (GatewayHost, Program) wires
        // everything together and is left out; so is a feature's use of itself.
        var features = SourceFiles().Where(f => f.Project == "MmsGateway").ToList();
        var graph = new Dictionary<string, HashSet<string>>();
        var why = new Dictionary<(string, string), string>();
        foreach (var (_, file, text) in features)
        {
            var own = Feature(DeclaredNamespace(text));
            if (own is null) continue;
            graph.TryAdd(own, []);
            foreach (var ns in UsedNamespaces(text).Concat(RelativeFeatureUses(text)))
            {
                var other = Feature(ns);
                if (other is null || other == own || OwningProject(ns) != "MmsGateway") continue;
                if (graph[own].Add(other)) why[(own, other)] = Relative(file);
            }
        }

        var cycles = new List<string>();
        foreach (var start in graph.Keys.Order(StringComparer.Ordinal))
        {
            var path = FindPath(graph, start, start);
            if (path is not null)
            {
                var hops = path.Zip(path.Skip(1), (a, b) => $"{a} -> {b} ({why[(a, b)]})");
                cycles.Add(string.Join(", ", hops));
            }
        }
        Assert.True(cycles.Count == 0, "feature cycles:\n" + string.Join("\n", cycles.Distinct()));
    }

    [Fact]
    public void The_checks_see_the_sources_they_judge()
    {
        // Guards the checks above against passing because they read nothing: every library has sources with a
        // namespace, and the host's features are found.
        var files = SourceFiles().ToList();
        foreach (var project in AllowedReferences.Keys.Where(p => Directory.Exists(RepoPaths.Combine("src", p))))
            Assert.Contains(files, f => f.Project == project && DeclaredNamespace(f.Text) is not null);
        var features = files.Where(f => f.Project == "MmsGateway").Select(f => Feature(DeclaredNamespace(f.Text))).ToHashSet();
        Assert.Contains("Streams", features);
        Assert.Contains("Outputs", features);
        Assert.Contains(files, f => UsedNamespaces(f.Text).Contains("MmsGateway.Asf"));
    }

    private static List<string>? FindPath(Dictionary<string, HashSet<string>> graph, string from, string to)
    {
        var stack = new Stack<(string Node, List<string> Path)>();
        var seen = new HashSet<string>();
        stack.Push((from, [from]));
        while (stack.Count > 0)
        {
            var (node, path) = stack.Pop();
            foreach (var next in graph.GetValueOrDefault(node, []))
            {
                if (next == to) return [.. path, next];
                if (seen.Add(next)) stack.Push((next, [.. path, next]));
            }
        }
        return null;
    }

    private static IEnumerable<string> SourceProjects() =>
        Directory.EnumerateFiles(RepoPaths.Combine("src"), "*.csproj", SearchOption.AllDirectories);

    private static Dictionary<string, HashSet<string>> ProjectReferences()
    {
        var result = new Dictionary<string, HashSet<string>>();
        foreach (var csproj in SourceProjects())
        {
            var xml = XDocument.Load(csproj);
            result[Path.GetFileNameWithoutExtension(csproj)] = xml.Descendants("ProjectReference")
                .Select(e => Path.GetFileNameWithoutExtension(((string?)e.Attribute("Include") ?? "").Replace('\\', '/')))
                .ToHashSet();
        }
        return result;
    }

    private static IEnumerable<(string Project, string File, string Text)> SourceFiles()
    {
        foreach (var csproj in SourceProjects())
        {
            var dir = Path.GetDirectoryName(csproj)!;
            var project = Path.GetFileNameWithoutExtension(csproj);
            foreach (var file in Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories))
            {
                var rel = Path.GetRelativePath(dir, file).Replace('\\', '/');
                if (rel.StartsWith("obj/", StringComparison.Ordinal) || rel.StartsWith("bin/", StringComparison.Ordinal)) continue;
                yield return (project, file, File.ReadAllText(file));
            }
        }
    }

    /// <summary>Namespaces a file names: its usings and fully qualified names (comments left out).</summary>
    private static IEnumerable<string> UsedNamespaces(string text)
    {
        var code = StripComments(text);
        foreach (Match m in UsingDirective().Matches(code)) yield return m.Groups["ns"].Value;
        foreach (Match m in QualifiedName().Matches(code)) yield return m.Groups["ns"].Value;
    }

    /// <summary>
    /// Names of other host features written relative to the root namespace (<c>Outputs.ViewerFraming</c> inside
    /// <c>namespace MmsGateway.Streams</c>), which C# resolves to <c>MmsGateway.Outputs</c>.
    /// </summary>
    private static IEnumerable<string> RelativeFeatureUses(string text)
    {
        var code = StripComments(text);
        foreach (Match m in RelativeFeatureName().Matches(code))
        {
            var name = m.Groups["feature"].Value;
            if (HostFeatureFolders.Contains(name)) yield return "MmsGateway." + name;
        }
    }

    private static readonly HashSet<string> HostFeatureFolders = Directory.Exists(RepoPaths.Combine("src", "MmsGateway"))
        ? Directory.EnumerateDirectories(RepoPaths.Combine("src", "MmsGateway")).Select(Path.GetFileName)
            .Where(n => n is not null && n != "obj" && n != "bin" && n != "wwwroot" && n != "Properties").Select(n => n!).ToHashSet()
        : [];

    private static string? DeclaredNamespace(string text) => DeclaredNamespaceRegex().Match(text) is { Success: true } m ? m.Groups["ns"].Value : null;

    /// <summary>The host feature of a namespace: <c>MmsGateway.Streams.X</c> → Streams; null for the libraries and the root.</summary>
    private static string? Feature(string? ns)
    {
        if (ns is null || OwningProject(ns) != "MmsGateway") return null;
        var parts = ns.Split('.');
        return parts.Length >= 2 ? parts[1] : null;
    }

    /// <summary>The project a namespace belongs to, by the longest project name it starts with.</summary>
    private static string? OwningProject(string ns)
    {
        if (!ns.StartsWith("MmsGateway", StringComparison.Ordinal)) return null;
        if (ns.StartsWith("MmsGateway.Tests", StringComparison.Ordinal) || ns.StartsWith("MmsGateway.Testing", StringComparison.Ordinal)) return null;
        return AllowedReferences.Keys
            .Where(p => ns == p || ns.StartsWith(p + ".", StringComparison.Ordinal))
            .MaxBy(p => p.Length);
    }

    private static string StripComments(string text) => CommentOrString().Replace(text, m => m.Value.StartsWith('"') ? "\"\"" : " ");

    private static string Relative(string file) => Path.GetRelativePath(RepoPaths.Root, file).Replace('\\', '/');

    [GeneratedRegex(@"^\s*(?:global\s+)?using\s+(?:static\s+)?(?:\w+\s*=\s*)?(?<ns>[A-Za-z_][\w.]*)\s*;", RegexOptions.Multiline)]
    private static partial Regex UsingDirective();

    [GeneratedRegex(@"(?<![\w.])(?:global::)?(?<ns>(?:MmsGateway|Microsoft|System)(?:\.[A-Z]\w*)+)(?=\.[A-Z]\w*)")]
    private static partial Regex QualifiedName();

    [GeneratedRegex(@"(?<![\w.])(?<feature>[A-Z]\w*)\.[A-Z]\w*")]
    private static partial Regex RelativeFeatureName();

    [GeneratedRegex(@"^\s*namespace\s+(?<ns>[\w.]+)", RegexOptions.Multiline)]
    private static partial Regex DeclaredNamespaceRegex();

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/|@""(?:""""|[^""])*""|""(?:\\.|[^""\\\n])*""", RegexOptions.Singleline)]
    private static partial Regex CommentOrString();

    [GeneratedRegex(@"\b(?:File\.(?:Open|Read|Write|Create)\w*|FileStream|Socket|HttpClient|Process\.Start)\b")]
    private static partial Regex IoCall();
}
