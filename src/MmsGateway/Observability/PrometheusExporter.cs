using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.Logging;

namespace MmsGateway.Observability;

/// <summary>
/// Our Prometheus exporter (prometheus-net is not available here): a <see cref="MeterListener"/> that aggregates
/// the gateway's meter, ASP.NET Core's, System.Net's and the runtime's, and renders them in the text exposition
/// format 0.0.4. One family per name, no duplicate series, cumulative histogram buckets with +Inf.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    /// <summary>The Content-Type of the text exposition format, version 0.0.4.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly MeterListener _listener = new();
    private readonly object? _scope;
    private readonly Func<string, bool> _meterNameFilter;
    private readonly ILogger _logger;
    private readonly CollectionClock _clock = new();
    private readonly Lock _collectLock = new();
    private readonly Lock _instrumentsLock = new();
    private readonly List<InstrumentState> _instruments = [];

    /// <summary>Exports the default meters (<see cref="IsExportedMeter"/>) of one application.</summary>
    /// <param name="meterFactory">
    /// The application's meter factory. Meters it created (ASP.NET Core's, ours) are exported; meters of other
    /// factories are not, so two hosts in one process (tests) never mix their series. Meters without a scope
    /// (the runtime's, System.Net's static ones) belong to the process and are exported by every host.
    /// </param>
    public PrometheusExporter(IMeterFactory meterFactory, ILogger<PrometheusExporter> logger)
        : this(meterFactory, IsExportedMeter, logger)
    {
    }

    internal PrometheusExporter(object? scope, Func<string, bool> meterNameFilter, ILogger logger)
    {
        _scope = scope;
        _meterNameFilter = meterNameFilter;
        _logger = logger;
        _listener.InstrumentPublished = OnInstrumentPublished;
        _listener.MeasurementsCompleted = OnMeasurementsCompleted;
        _listener.SetMeasurementEventCallback<byte>(static (_, v, tags, state) => (state as InstrumentState)?.Record(v, tags));
        _listener.SetMeasurementEventCallback<short>(static (_, v, tags, state) => (state as InstrumentState)?.Record(v, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, v, tags, state) => (state as InstrumentState)?.Record(v, tags));
        _listener.SetMeasurementEventCallback<long>(static (_, v, tags, state) => (state as InstrumentState)?.Record(v, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, v, tags, state) => (state as InstrumentState)?.Record(v, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, v, tags, state) => (state as InstrumentState)?.Record(v, tags));
        _listener.SetMeasurementEventCallback<decimal>(static (_, v, tags, state) => (state as InstrumentState)?.Record((double)v, tags));
        // Start now, not at the first scrape: counters recorded before it would otherwise be lost.
        _listener.Start();
    }

    /// <summary>
    /// The meters exported by default: ours, ASP.NET Core's (Hosting, Kestrel, Http.Connections, Routing ...),
    /// System.Net's (Http, NameResolution, Sockets) and the runtime's (docs/design.md#metrics).
    /// </summary>
    public static bool IsExportedMeter(string meterName) =>
        meterName == GatewayMetrics.MeterName
        || meterName.StartsWith(GatewayMetrics.MeterName + ".", StringComparison.Ordinal)
        || meterName.StartsWith("Microsoft.AspNetCore.", StringComparison.Ordinal)
        || meterName.StartsWith("System.Net.", StringComparison.Ordinal)
        || meterName == "System.Runtime";

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        var meter = instrument.Meter;
        if (!_meterNameFilter(meter.Name)) return;
        if (meter.Scope is not null && !ReferenceEquals(meter.Scope, _scope)) return;
        var state = InstrumentState.TryCreate(instrument, _clock);
        if (state is null) return;
        lock (_instrumentsLock) _instruments.Add(state);
        listener.EnableMeasurementEvents(instrument, state);
    }

    private void OnMeasurementsCompleted(Instrument instrument, object? state)
    {
        // The meter was disposed: its series go with it.
        if (state is InstrumentState s)
        {
            lock (_instrumentsLock) _instruments.Remove(s);
        }
    }

    /// <summary>Collects the observable instruments and renders every family in the text format.</summary>
    public string Render()
    {
        var output = new StringBuilder(16 * 1024);
        lock (_collectLock)
        {
            var generation = _clock.Advance();
            _listener.RecordObservableInstruments();
            InstrumentState[] instruments;
            lock (_instrumentsLock) instruments = [.. _instruments];
            // A stable order (meter, then instrument) so that which of two conflicting instruments wins does not
            // change from one scrape to the next.
            Array.Sort(instruments, static (a, b) =>
            {
                var byMeter = string.CompareOrdinal(a.Instrument.Meter.Name, b.Instrument.Meter.Name);
                return byMeter != 0 ? byMeter : string.CompareOrdinal(a.Instrument.Name, b.Instrument.Name);
            });

            var families = new SortedDictionary<string, Family>(StringComparer.Ordinal);
            foreach (var state in instruments) Collect(state, generation, families);
            RemoveSuffixClashes(families);
            foreach (var family in families.Values) Write(family, output);
        }
        return output.ToString();
    }

    private void Collect(InstrumentState state, long generation, SortedDictionary<string, Family> families)
    {
        if (state.TakeOverflow())
            ObservabilityLog.SeriesLimitReached(_logger, state.Instrument.Meter.Name, state.Instrument.Name, InstrumentState.MaxSeries);

        if (families.TryGetValue(state.FamilyName, out var family))
        {
            // Same name from two instruments (two meters, or a name that converts to one already taken): merge
            // them only if they mean the same kind of thing; otherwise the first one keeps the name.
            var compatible = family.Type == state.PrometheusType && family.Bounds.AsSpan().SequenceEqual(state.Bounds);
            if (!compatible)
            {
                if (!state.ConflictReported)
                {
                    state.ConflictReported = true;
                    ObservabilityLog.FamilyConflict(_logger, state.Instrument.Meter.Name, state.Instrument.Name, state.FamilyName, family.Type);
                }
                return;
            }
        }
        else
        {
            // Taken even while the instrument has no series yet (empty families are not written), so a later
            // instrument of another type cannot have the name on one scrape and lose it on the next.
            family = families[state.FamilyName] = new Family(state);
        }

        foreach (var series in state.Current(generation))
        {
            series.LabelText ??= LabelText(series.Key.Tags);
            if (!family.Samples.TryGetValue(series.LabelText, out var sample))
            {
                sample = new Sample(state.Bounds.Length);
                family.Samples.Add(series.LabelText, sample);
            }
            sample.Add(series, state.Kind);
        }
    }

    /// <summary>
    /// A histogram "x" also writes x_bucket, x_sum and x_count; a family of one of those names would then show
    /// samples under two TYPEs. The histogram keeps the names.
    /// </summary>
    private void RemoveSuffixClashes(SortedDictionary<string, Family> families)
    {
        var histograms = families.Values.Where(f => f.Kind == InstrumentKind.Histogram && f.Samples.Count > 0).Select(f => f.Name).ToList();
        foreach (var name in histograms)
        {
            foreach (var suffix in (ReadOnlySpan<string>)["_bucket", "_sum", "_count"])
            {
                if (families.Remove(name + suffix, out var clash) && !clash.Owner.ConflictReported)
                {
                    clash.Owner.ConflictReported = true;
                    ObservabilityLog.FamilyConflict(_logger, clash.Owner.Instrument.Meter.Name, clash.Owner.Instrument.Name, clash.Name, "histogram");
                }
            }
        }
    }

    private static string LabelText(KeyValuePair<string, object?>[] tags)
    {
        if (tags.Length == 0) return "";
        var labels = new List<KeyValuePair<string, string>>(tags.Length);
        foreach (var tag in tags)
        {
            var name = PrometheusNaming.LabelName(tag.Key);
            // "le" is the bucket label of histograms and "quantile" that of summaries; promtool rejects them elsewhere.
            if (name is "le" or "quantile") name = "tag_" + name;
            if (labels.Exists(l => l.Key == name)) continue; // two tags that sanitize to one name: the first wins
            labels.Add(new(name, PrometheusNaming.EscapeLabelValue(PrometheusNaming.FormatTagValue(tag.Value))));
        }
        labels.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var sb = new StringBuilder();
        foreach (var (name, value) in labels)
        {
            if (sb.Length > 0) sb.Append(',');
            sb.Append(name).Append("=\"").Append(value).Append('"');
        }
        return sb.ToString();
    }

    private static void Write(Family family, StringBuilder output)
    {
        if (family.Samples.Count == 0) return;
        output.Append("# HELP ").Append(family.Name).Append(' ').Append(PrometheusNaming.EscapeHelp(family.Help)).Append('\n');
        output.Append("# TYPE ").Append(family.Name).Append(' ').Append(family.Type).Append('\n');
        foreach (var (labels, sample) in family.Samples.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            if (family.Kind != InstrumentKind.Histogram)
            {
                output.Append(family.Name);
                if (labels.Length > 0) output.Append('{').Append(labels).Append('}');
                output.Append(' ').Append(PrometheusNaming.FormatValue(sample.Value)).Append('\n');
                continue;
            }
            long cumulative = 0;
            var prefix = labels.Length > 0 ? labels + "," : "";
            for (var i = 0; i < sample.Buckets.Length; i++)
            {
                cumulative += sample.Buckets[i];
                var le = i < family.Bounds.Length ? PrometheusNaming.FormatValue(family.Bounds[i]) : "+Inf";
                output.Append(family.Name).Append("_bucket{").Append(prefix).Append("le=\"").Append(le).Append("\"} ")
                    .Append(cumulative).Append('\n');
            }
            var suffixLabels = labels.Length > 0 ? "{" + labels + "}" : "";
            output.Append(family.Name).Append("_sum").Append(suffixLabels).Append(' ').Append(PrometheusNaming.FormatValue(sample.Sum)).Append('\n');
            // _count is the +Inf bucket: both come from one read of the buckets, so they always agree.
            output.Append(family.Name).Append("_count").Append(suffixLabels).Append(' ').Append(cumulative).Append('\n');
        }
    }

    public void Dispose() => _listener.Dispose();

    private sealed class Family(InstrumentState owner)
    {
        public InstrumentState Owner { get; } = owner;
        public string Name { get; } = owner.FamilyName;
        public string Type { get; } = owner.PrometheusType;
        public string Help { get; } = owner.Help;
        public InstrumentKind Kind { get; } = owner.Kind;
        public double[] Bounds { get; } = owner.Bounds;
        public Dictionary<string, Sample> Samples { get; } = new(StringComparer.Ordinal);
    }

    private sealed class Sample(int boundCount)
    {
        private bool _hasValue;

        public double Value { get; private set; }
        public double Sum { get; private set; }
        public long[] Buckets { get; } = new long[boundCount + 1];

        public void Add(MetricSeries series, InstrumentKind kind)
        {
            switch (kind)
            {
                case InstrumentKind.Histogram:
                    for (var i = 0; i < Buckets.Length; i++) Buckets[i] += Volatile.Read(ref series.BucketCounts[i]);
                    Sum += series.Sum;
                    break;
                case InstrumentKind.Gauge or InstrumentKind.ObservableGauge:
                    // Two reports of one gauge series (same labels in another order, or two meters): the last wins.
                    Value = series.Value;
                    break;
                default:
                    // Counters and up-down counters add up across meters and tag orders.
                    Value = _hasValue ? Value + series.Value : series.Value;
                    break;
            }
            _hasValue = true;
        }
    }
}
