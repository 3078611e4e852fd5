using System.Globalization;
using System.Text;

namespace MmsGateway.Tests.Observability;

/// <summary>One sample line of the text format.</summary>
internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value, string LabelText);

/// <summary>A small reader of the text exposition format, for assertions (promtool checks the format itself).</summary>
internal sealed class PrometheusText
{
    public Dictionary<string, string> Types { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Help { get; } = new(StringComparer.Ordinal);

    public List<PrometheusSample> Samples { get; } = [];

    /// <summary>TYPE lines seen more than once (must be none: one family per name).</summary>
    public List<string> DuplicateFamilies { get; } = [];

    public static PrometheusText Parse(string text)
    {
        var result = new PrometheusText();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0) continue;
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line["# TYPE ".Length..].Split(' ');
                if (!result.Types.TryAdd(parts[0], parts[1])) result.DuplicateFamilies.Add(parts[0]);
                continue;
            }
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var rest = line["# HELP ".Length..];
                var space = rest.IndexOf(' ', StringComparison.Ordinal);
                result.Help[rest[..space]] = rest[(space + 1)..];
                continue;
            }
            if (line.StartsWith('#')) continue;
            result.Samples.Add(ParseSample(line));
        }
        return result;
    }

    private static PrometheusSample ParseSample(string line)
    {
        var brace = line.IndexOf('{', StringComparison.Ordinal);
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        string name, labelText, value;
        if (brace >= 0 && brace < space)
        {
            name = line[..brace];
            var i = brace + 1;
            while (line[i] != '}')
            {
                var eq = line.IndexOf('=', i);
                var labelName = line[i..eq];
                i = eq + 2; // past ="
                var sb = new StringBuilder();
                while (line[i] != '"')
                {
                    if (line[i] == '\\')
                    {
                        i++;
                        sb.Append(line[i] switch { 'n' => '\n', var c => c });
                    }
                    else
                    {
                        sb.Append(line[i]);
                    }
                    i++;
                }
                labels[labelName] = sb.ToString();
                i++; // past "
                if (line[i] == ',') i++;
            }
            labelText = line[(brace + 1)..i];
            value = line[(i + 2)..];
        }
        else
        {
            name = line[..space];
            labelText = "";
            value = line[(space + 1)..];
        }
        var parsed = value switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new PrometheusSample(name, labels, parsed, labelText);
    }

    /// <summary>The value of the one sample with this name whose labels include all of <paramref name="labels"/>.</summary>
    public double Value(string name, params (string Name, string Value)[] labels)
    {
        var matches = Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value)).ToList();
        Assert.True(matches.Count == 1, $"expected one sample {name} {string.Join(",", labels)}, found {matches.Count}");
        return matches[0].Value;
    }
}
