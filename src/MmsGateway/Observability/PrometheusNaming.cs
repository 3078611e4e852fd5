using System.Globalization;
using System.Text;

namespace MmsGateway.Observability;

/// <summary>
/// Turns <see cref="System.Diagnostics.Metrics"/> instrument names, units and tags into Prometheus names
/// (text exposition format 0.0.4 and the naming conventions promtool lints against; prometheus-net writes the
/// text and escapes label values): dots and other invalid
/// characters become underscores, camelCase becomes snake_case, time units are exported in seconds and
/// byte units in bytes (as name suffixes, values scaled), and counters end in <c>_total</c>.
/// </summary>
public static class PrometheusNaming
{
    /// <summary>The Prometheus metric types the exporter writes.</summary>
    public enum PrometheusMetricType
    {
        Counter,
        Gauge,
        Histogram,
    }

    /// <summary>The Prometheus base-unit suffix for an instrument unit and the factor that converts values to it.</summary>
    public readonly record struct UnitConversion(string? Suffix, double Scale);

    /// <summary>
    /// UCUM-style units used by .NET's and OpenTelemetry's semantic conventions. Only seconds and bytes get a
    /// suffix: they are Prometheus's base units. Annotations like <c>{request}</c> carry no unit, so no suffix.
    /// </summary>
    public static UnitConversion ConvertUnit(string? unit) => unit switch
    {
        "s" => new("seconds", 1),
        "ms" => new("seconds", 1e-3),
        "us" or "μs" => new("seconds", 1e-6),
        "ns" => new("seconds", 1e-9),
        "min" => new("seconds", 60),
        "h" => new("seconds", 3600),
        "d" => new("seconds", 86400),
        "By" => new("bytes", 1),
        "kBy" or "KBy" => new("bytes", 1e3),
        "MBy" => new("bytes", 1e6),
        "GBy" => new("bytes", 1e9),
        "KiBy" => new("bytes", 1024),
        "MiBy" => new("bytes", 1024 * 1024),
        "GiBy" => new("bytes", 1024 * 1024 * 1024),
        _ => new(null, 1),
    };

    /// <summary>
    /// The family name for an instrument: sanitized, unit suffix added once, <c>_total</c> on counters only, and
    /// gauges never ending in a histogram's sample suffixes.
    /// </summary>
    public static string MetricName(string instrumentName, string? unit, PrometheusMetricType type)
    {
        // No colons: Prometheus keeps them for recording rules, and prometheus-net 8 refuses them.
        var name = Sanitize(instrumentName, allowColon: false);
        // "_total" belongs at the very end and only on counters (promtool: "non-counter metrics should not
        // have _total suffix"); take it off first so a unit suffix goes before it.
        if (name.EndsWith("_total", StringComparison.Ordinal) && name.Length > "_total".Length)
            name = name[..^"_total".Length];
        var suffix = ConvertUnit(unit).Suffix;
        if (suffix is not null && !name.EndsWith("_" + suffix, StringComparison.Ordinal) && name != suffix)
            name = name + "_" + suffix;
        switch (type)
        {
            case PrometheusMetricType.Counter:
                name += "_total";
                break;
            case PrometheusMetricType.Gauge when name.EndsWith("_count", StringComparison.Ordinal)
                || name.EndsWith("_sum", StringComparison.Ordinal) || name.EndsWith("_bucket", StringComparison.Ordinal):
                // OpenTelemetry names up-down counters "*.count" (dotnet.assembly.count), but Prometheus reserves
                // _count, _sum and _bucket for histogram and summary samples (promtool: "non-histogram and
                // non-summary metrics should not have "_count" suffix"), so such a gauge says it is a current value.
                name += "_current";
                break;
        }
        return name;
    }

    /// <summary>A label name: like a metric name but without colons, and never the reserved <c>__</c> prefix.</summary>
    public static string LabelName(string tagKey)
    {
        var name = Sanitize(tagKey, allowColon: false);
        // Names starting with "__" are reserved for Prometheus's internal use.
        return name.StartsWith("__", StringComparison.Ordinal) ? "tag" + name : name;
    }

    /// <summary>
    /// [a-zA-Z_:][a-zA-Z0-9_:]*, snake_case, runs of underscores collapsed (so "http.server..duration" and
    /// "http_server__duration" do not become two families that differ only in underscores).
    /// </summary>
    public static string Sanitize(string raw, bool allowColon)
    {
        if (string.IsNullOrEmpty(raw)) return "_";
        var sb = new StringBuilder(raw.Length + 8);
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            char next;
            if (c is >= 'A' and <= 'Z')
            {
                // camelCase -> camel_case (promtool: "metric names should be written in 'snake_case'").
                var prev = i > 0 ? raw[i - 1] : '\0';
                if (prev is >= 'a' and <= 'z' or >= '0' and <= '9') Append(sb, '_');
                next = (char)(c + ('a' - 'A'));
            }
            else if (c is >= 'a' and <= 'z' or >= '0' and <= '9' or '_' || c == ':' && allowColon)
            {
                next = c;
            }
            else
            {
                next = '_';
            }
            Append(sb, next);
        }
        if (sb[0] is >= '0' and <= '9') sb.Insert(0, '_');
        return sb.ToString();

        static void Append(StringBuilder sb, char c)
        {
            if (c == '_' && sb.Length > 0 && sb[^1] == '_') return;
            sb.Append(c);
        }
    }

    /// <summary>HELP text escaping of the text format: backslash and line feed (quotes stay as they are).</summary>
    public static string EscapeHelp(string text)
    {
        if (text.AsSpan().IndexOfAny('\\', '\n', '\r') < 0) return text;
        return text.Replace(@"\", @"\\", StringComparison.Ordinal)
            .Replace("\r\n", @"\n", StringComparison.Ordinal)
            .Replace("\n", @"\n", StringComparison.Ordinal)
            .Replace("\r", " ", StringComparison.Ordinal);
    }

    /// <summary>A tag value as label text (invariant culture, so 1.5 never becomes "1,5").</summary>
    public static string FormatTagValue(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
