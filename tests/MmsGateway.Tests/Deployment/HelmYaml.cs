using System.Text;
using System.Text.Json;
using MmsGateway.Tests.Observability;

namespace MmsGateway.Tests.Deployment;

/// <summary>
/// YAML to JSON with the YAML parser helm itself uses (no YAML library in the test project): the documents are
/// passed as values to a throwaway chart whose only template is <c>{{ toJson .Values }}</c>. So "parses as YAML"
/// means what it means to helm and Kubernetes tooling, not to a hand-written reader.
/// </summary>
internal static class HelmYaml
{
    public static async Task<JsonElement> ParseAsync(string yaml) => (await ParseAllAsync([yaml]))[0];

    public static async Task<JsonElement[]> ParseAllAsync(IReadOnlyList<string> documents)
    {
        var helm = RepoPaths.Helm ?? throw new InvalidOperationException("helm not found");
        var chart = Directory.CreateTempSubdirectory("mmsgw-yaml-");
        try
        {
            Directory.CreateDirectory(Path.Combine(chart.FullName, "templates"));
            await File.WriteAllTextAsync(Path.Combine(chart.FullName, "Chart.yaml"), "apiVersion: v2\nname: yaml-to-json\nversion: 0.0.1\n");
            await File.WriteAllTextAsync(Path.Combine(chart.FullName, "templates", "out.yaml"), "{{ toJson .Values }}\n");
            // Each document, indented, under its own key d0, d1, ...: one helm run for all of them.
            var values = new StringBuilder();
            for (var i = 0; i < documents.Count; i++)
            {
                values.Append('d').Append(i).Append(":\n");
                foreach (var line in documents[i].Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
                    values.Append("  ").Append(line).Append('\n');
            }
            var valuesFile = Path.Combine(chart.FullName, "input.yaml");
            await File.WriteAllTextAsync(valuesFile, values.ToString());
            var result = await ExternalProcess.RunAsync(helm, ["template", "yaml", chart.FullName, "-f", valuesFile], TimeSpan.FromSeconds(60));
            Assert.True(result.ExitCode == 0, "YAML did not parse: " + result);
            var json = result.StandardOutput[result.StandardOutput.IndexOf('{', StringComparison.Ordinal)..];
            using var document = JsonDocument.Parse(json);
            return Enumerable.Range(0, documents.Count).Select(i => document.RootElement.GetProperty("d" + i).Clone()).ToArray();
        }
        finally
        {
            chart.Delete(recursive: true);
        }
    }

    /// <summary>Splits a multi-document stream (helm template output) into its non-empty documents.</summary>
    public static List<string> SplitDocuments(string stream) =>
        stream.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n---")
            .Select(d => d.TrimStart('-'))
            .Where(d => d.Split('\n').Any(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#')))
            .ToList();
}
