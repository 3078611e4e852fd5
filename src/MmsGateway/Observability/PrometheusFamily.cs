using Prometheus;

namespace MmsGateway.Observability;

/// <summary>
/// One Prometheus metric family as the bridge claimed it: its name, type, HELP and buckets, and the prometheus-net
/// collectors behind it (one per set of label names, which prometheus-net keeps apart inside one family; ASP.NET
/// Core's request duration, for one, adds <c>error.type</c> only to failed requests).
/// </summary>
internal sealed class PrometheusFamily
{
    private readonly IMetricFactory _factory;

    public PrometheusFamily(IMetricFactory factory, string name, PrometheusNaming.PrometheusMetricType type, string help, double[] bounds)
    {
        _factory = factory;
        Name = name;
        Type = type;
        // prometheus-net writes HELP as given; the text format wants backslashes and line feeds escaped.
        Help = PrometheusNaming.EscapeHelp(help);
        Bounds = bounds;
    }

    public string Name { get; }

    public PrometheusNaming.PrometheusMetricType Type { get; }

    public string Help { get; }

    /// <summary>Histogram upper bounds in exported units, ascending, without +Inf (prometheus-net adds it).</summary>
    public double[] Bounds { get; }

    /// <summary>Whether another instrument may feed this family: same type and, for histograms, same buckets.</summary>
    public bool Accepts(PrometheusNaming.PrometheusMetricType type, double[] bounds) =>
        Type == type && Bounds.AsSpan().SequenceEqual(bounds);

    /// <summary>
    /// The child for one label set (names sorted, values in the same order), created if new. Published at once,
    /// even before a value arrives, like every series the gateway has seen; an unlabelled child that prometheus-net
    /// re-creates by itself after <see cref="ChildBase.Remove"/> stays hidden (SuppressInitialValue).
    /// </summary>
    public ChildBase Child(string[] labelNames, string[] labelValues)
    {
        ChildBase child = Type switch
        {
            PrometheusNaming.PrometheusMetricType.Counter =>
                _factory.CreateCounter(Name, Help, labelNames, new CounterConfiguration { SuppressInitialValue = true }).WithLabels(labelValues),
            PrometheusNaming.PrometheusMetricType.Gauge =>
                _factory.CreateGauge(Name, Help, labelNames, new GaugeConfiguration { SuppressInitialValue = true }).WithLabels(labelValues),
            _ => _factory.CreateHistogram(Name, Help, labelNames,
                new HistogramConfiguration { SuppressInitialValue = true, Buckets = Bounds }).WithLabels(labelValues),
        };
        child.Publish();
        return child;
    }

    /// <summary>
    /// The Prometheus labels of a tag set: sanitized names, sorted, the first of two tags that sanitize alike kept;
    /// <c>le</c> and <c>quantile</c> (the bucket and quantile labels, which promtool rejects elsewhere) get a
    /// <c>tag_</c> prefix.
    /// </summary>
    public static (string[] Names, string[] Values) Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = new List<KeyValuePair<string, string>>(tags.Length);
        foreach (var tag in tags)
        {
            var name = PrometheusNaming.LabelName(tag.Key);
            if (name is "le" or "quantile") name = "tag_" + name;
            if (labels.Exists(l => l.Key == name)) continue;
            labels.Add(new(name, PrometheusNaming.FormatTagValue(tag.Value)));
        }
        labels.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return ([.. labels.Select(l => l.Key)], [.. labels.Select(l => l.Value)]);
    }
}
