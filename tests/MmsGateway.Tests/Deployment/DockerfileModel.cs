using System.Text;
using System.Text.RegularExpressions;

namespace MmsGateway.Tests.Deployment;

/// <summary>One Dockerfile instruction: keyword and arguments, continuation lines joined.</summary>
internal sealed record DockerInstruction(string Keyword, string Arguments);

/// <summary>A build stage: its FROM line, its name (AS ...) and its instructions.</summary>
internal sealed record DockerStage(string Image, string? Name, List<DockerInstruction> Instructions)
{
    public IEnumerable<DockerInstruction> All(string keyword) => Instructions.Where(i => i.Keyword == keyword);
}

/// <summary>Just enough of the Dockerfile syntax for the checks here: comments, continuations, stages.</summary>
internal static class DockerfileModel
{
    public static List<DockerStage> Parse(string text)
    {
        var stages = new List<DockerStage>();
        var logical = new StringBuilder();
        foreach (var raw in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var line = raw.TrimEnd();
            if (logical.Length == 0 && (line.TrimStart().StartsWith('#') || line.Trim().Length == 0)) continue;
            if (line.TrimStart().StartsWith('#')) continue; // a comment inside a continued instruction
            if (line.EndsWith('\\'))
            {
                logical.Append(line[..^1]).Append(' ');
                continue;
            }
            logical.Append(line);
            var instruction = logical.ToString().Trim();
            logical.Clear();
            var space = instruction.IndexOf(' ', StringComparison.Ordinal);
            var keyword = (space < 0 ? instruction : instruction[..space]).ToUpperInvariant();
            var arguments = space < 0 ? "" : Regex.Replace(instruction[(space + 1)..].Trim(), @"\s+", " ");
            if (keyword == "FROM")
            {
                var parts = arguments.Split(' ');
                stages.Add(new DockerStage(parts[0], parts.Length >= 3 && parts[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? parts[2] : null, []));
                continue;
            }
            Assert.True(stages.Count > 0, $"{keyword} before FROM");
            stages[^1].Instructions.Add(new DockerInstruction(keyword, arguments));
        }
        return stages;
    }
}

/// <summary>
/// .dockerignore as the Docker builder reads it: one pattern a line, '#' comments, leading '/' and trailing '/'
/// ignored, '*' and '?' within a path element, '**' across elements, '!' re-includes, the last match wins, and an
/// excluded folder excludes everything below it.
/// </summary>
internal sealed class DockerIgnore
{
    private readonly List<(Regex Pattern, bool Exclude)> _rules = [];

    public DockerIgnore(string text)
    {
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var exclude = !line.StartsWith('!');
            if (!exclude) line = line[1..].Trim();
            line = line.Trim('/');
            var regex = new StringBuilder("^");
            for (var i = 0; i < line.Length; i++)
            {
                if (line[i] == '*' && i + 1 < line.Length && line[i + 1] == '*')
                {
                    // "**/" matches zero or more folders.
                    var slash = i + 2 < line.Length && line[i + 2] == '/';
                    regex.Append(slash ? "(?:.*/)?" : ".*");
                    i += slash ? 2 : 1;
                }
                else if (line[i] == '*') regex.Append("[^/]*");
                else if (line[i] == '?') regex.Append("[^/]");
                else regex.Append(Regex.Escape(line[i].ToString()));
            }
            _rules.Add((new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant), exclude));
        }
    }

    /// <summary>Whether a context-relative path ('/'-separated) is left out of the build context.</summary>
    public bool IsExcluded(string relativePath)
    {
        // A path is out if it or any folder above it matches (the last matching rule decides for each).
        var parts = relativePath.Split('/');
        for (var n = 1; n <= parts.Length; n++)
        {
            var prefix = string.Join('/', parts[..n]);
            bool? excluded = null;
            foreach (var (pattern, exclude) in _rules)
            {
                if (pattern.IsMatch(prefix)) excluded = exclude;
            }
            if (excluded == true) return true;
        }
        return false;
    }
}
