using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Prometheus;

namespace MmsGateway.Observability;

/// <summary>How an instrument's measurements are kept and which Prometheus type they become.</summary>
internal enum InstrumentKind
{
    /// <summary><see cref="Counter{T}"/>: deltas summed; Prometheus counter.</summary>
    Counter,
    /// <summary><see cref="UpDownCounter{T}"/>: deltas summed; Prometheus gauge.</summary>
    UpDownCounter,
    /// <summary><see cref="Gauge{T}"/>: last recorded value; Prometheus gauge.</summary>
    Gauge,
    /// <summary><see cref="ObservableCounter{T}"/>: cumulative totals observed at scrape; Prometheus counter.</summary>
    ObservableCounter,
    /// <summary><see cref="ObservableUpDownCounter{T}"/>: current values observed at scrape; Prometheus gauge.</summary>
    ObservableUpDownCounter,
    /// <summary><see cref="ObservableGauge{T}"/>: current values observed at scrape; Prometheus gauge.</summary>
    ObservableGauge,
    /// <summary><see cref="Histogram{T}"/>: bucket counts and sum; Prometheus histogram.</summary>
    Histogram,
}

/// <summary>The scrape counter observable series are stamped with, so series no longer reported disappear.</summary>
internal sealed class CollectionClock
{
    private long _generation;

    public long Generation => Volatile.Read(ref _generation);

    public long Advance() => Interlocked.Increment(ref _generation);
}

/// <summary>
/// Everything the bridge keeps for one instrument: its Prometheus identity, the family it feeds, and its series
/// (tag sets mapped to prometheus-net children, so a measurement is one lookup without allocation and one update).
/// </summary>
internal sealed class InstrumentState
{
    /// <summary>
    /// Series per instrument before new label sets are dropped: a guard against a label fed with unbounded
    /// values (a URL, a client address) growing memory and the scrape without limit.
    /// </summary>
    public const int MaxSeries = 2000;

    // OpenTelemetry's default explicit buckets, for histograms without advice and not in seconds.
    private static readonly double[] DefaultBounds = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];
    // Seconds histograms without advice get ASP.NET Core's request-duration buckets (5 ms to 10 s).
    private static readonly double[] DefaultSecondsBounds = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    private readonly ConcurrentDictionary<SeriesKey, MetricSeries> _series = new(SeriesKeyComparer.Instance);
    private readonly ConcurrentDictionary<SeriesKey, MetricSeries>.AlternateLookup<TagSpan> _lookup;
    private readonly CollectionClock _clock;
    private PrometheusFamily? _family;
    private int _seriesCount;
    private int _overflowed;
    private int _failed;

    private InstrumentState(Instrument instrument, InstrumentKind kind, CollectionClock clock)
    {
        Instrument = instrument;
        Kind = kind;
        _clock = clock;
        _lookup = _series.GetAlternateLookup<TagSpan>();
        Type = kind switch
        {
            InstrumentKind.Histogram => PrometheusNaming.PrometheusMetricType.Histogram,
            InstrumentKind.Counter or InstrumentKind.ObservableCounter => PrometheusNaming.PrometheusMetricType.Counter,
            _ => PrometheusNaming.PrometheusMetricType.Gauge,
        };
        FamilyName = PrometheusNaming.MetricName(instrument.Name, instrument.Unit, Type);
        var conversion = PrometheusNaming.ConvertUnit(instrument.Unit);
        Scale = conversion.Scale;
        Help = string.IsNullOrWhiteSpace(instrument.Description)
            ? $"{instrument.Name} (meter {instrument.Meter.Name})"
            : instrument.Description;
        Bounds = kind == InstrumentKind.Histogram ? HistogramBounds(instrument, conversion) : [];
    }

    public Instrument Instrument { get; }

    public InstrumentKind Kind { get; }

    public PrometheusNaming.PrometheusMetricType Type { get; }

    public string FamilyName { get; }

    public string Help { get; }

    /// <summary>Factor from the instrument's unit to the exported base unit (ms to seconds: 0.001).</summary>
    public double Scale { get; }

    /// <summary>Histogram upper bounds in exported units, ascending, without +Inf.</summary>
    public double[] Bounds { get; }

    public bool IsObservable => Kind is InstrumentKind.ObservableCounter or InstrumentKind.ObservableGauge or InstrumentKind.ObservableUpDownCounter;

    /// <summary>The family this instrument feeds; set once, when the bridge lets it claim or join one.</summary>
    public PrometheusFamily? Family
    {
        get => Volatile.Read(ref _family);
        set => Volatile.Write(ref _family, value);
    }

    /// <summary>Whether new label sets were dropped since the last call (then resets it).</summary>
    public bool TakeOverflow() => Interlocked.Exchange(ref _overflowed, 0) != 0;

    /// <summary>The first failure to create a series since the last call, if any (then resets it).</summary>
    public bool TakeFailure() => Interlocked.Exchange(ref _failed, 0) != 0;

    public static InstrumentState? TryCreate(Instrument instrument, CollectionClock clock)
    {
        var kind = KindOf(instrument);
        return kind is null ? null : new InstrumentState(instrument, kind.Value, clock);
    }

    private static InstrumentKind? KindOf(Instrument instrument)
    {
        var type = instrument.GetType();
        if (!type.IsGenericType) return null;
        var definition = type.GetGenericTypeDefinition();
        if (definition == typeof(Counter<>)) return InstrumentKind.Counter;
        if (definition == typeof(UpDownCounter<>)) return InstrumentKind.UpDownCounter;
        if (definition == typeof(Histogram<>)) return InstrumentKind.Histogram;
        if (definition == typeof(Gauge<>)) return InstrumentKind.Gauge;
        if (definition == typeof(ObservableCounter<>))
        {
            // The runtime registers these two as observable counters, but they go down as well as up (the
            // semantic conventions define them as up-down counters); as Prometheus counters every decrease
            // would read as a reset and rate() would invent traffic. Export them as gauges.
            return instrument.Meter.Name == "System.Runtime" && instrument.Name is "dotnet.thread_pool.thread.count" or "dotnet.thread_pool.queue.length"
                ? InstrumentKind.ObservableUpDownCounter
                : InstrumentKind.ObservableCounter;
        }
        if (definition == typeof(ObservableUpDownCounter<>)) return InstrumentKind.ObservableUpDownCounter;
        if (definition == typeof(ObservableGauge<>)) return InstrumentKind.ObservableGauge;
        return null;
    }

    private static double[] HistogramBounds(Instrument instrument, PrometheusNaming.UnitConversion conversion)
    {
        // Instruments may advise their buckets (ASP.NET Core does for request durations); use them when given.
        IEnumerable<double>? advised = instrument switch
        {
            Histogram<double> h => h.Advice?.HistogramBucketBoundaries,
            Histogram<float> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            _ => null,
        };
        // Advice is in the instrument's unit, so it is scaled like the values; the defaults are in exported units.
        var defaults = conversion.Suffix == "seconds" ? DefaultSecondsBounds : DefaultBounds;
        var bounds = advised?.Select(b => b * conversion.Scale).Where(double.IsFinite).Distinct().Order().ToArray();
        // prometheus-net needs at least one finite bucket.
        return bounds is { Length: > 0 } ? bounds : defaults;
    }

    /// <summary>The measurement callback: finds (or adds) the series without allocating when it exists.</summary>
    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var series = Find(tags);
        if (series is null) return;
        switch (Kind)
        {
            case InstrumentKind.Counter:
                // A counter only goes up; a negative delta would make Prometheus see a reset (prometheus-net throws).
                if (value > 0) series.Counter?.Inc(value * Scale);
                break;
            case InstrumentKind.UpDownCounter:
                series.Gauge?.Inc(value * Scale);
                break;
            case InstrumentKind.Gauge:
                series.Gauge?.Set(value * Scale);
                break;
            case InstrumentKind.Histogram:
                series.Histogram?.Observe(value * Scale);
                break;
            case InstrumentKind.ObservableCounter:
                // A cumulative total, reported during a collection.
                series.Counter?.IncTo(value * Scale);
                series.ObservedGeneration = _clock.Generation;
                break;
            default: // observable gauges: a current value, reported during a collection
                series.Gauge?.Set(value * Scale);
                series.ObservedGeneration = _clock.Generation;
                break;
        }
    }

    private MetricSeries? Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = new TagSpan(tags);
        if (_lookup.TryGetValue(key, out var series)) return series;
        return Add(key);
    }

    private MetricSeries? Add(TagSpan key)
    {
        var family = Family;
        if (family is null) return null;
        if (Volatile.Read(ref _seriesCount) >= MaxSeries)
        {
            Volatile.Write(ref _overflowed, 1);
            return null;
        }
        var seriesKey = SeriesKeyComparer.Instance.Create(key);
        ChildBase child;
        try
        {
            var (names, values) = PrometheusFamily.Labels(key.Tags);
            child = family.Child(names, values);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // prometheus-net refused the label set; never throw into the instrument (it would stop measuring).
            Volatile.Write(ref _failed, 1);
            return null;
        }
        var created = MetricSeries.For(seriesKey, child);
        if (_series.TryAdd(seriesKey, created))
        {
            Interlocked.Increment(ref _seriesCount);
            return created;
        }
        return _series.TryGetValue(seriesKey, out var series) ? series : null;
    }

    /// <summary>
    /// After a collection of the observable instruments: series not reported in it are removed (the callback no
    /// longer knows them: a stream was removed, a connection closed).
    /// </summary>
    public void RemoveUnreported(long generation)
    {
        if (!IsObservable) return;
        foreach (var (key, series) in _series)
        {
            if (series.ObservedGeneration == generation) continue;
            if (_series.TryRemove(key, out _))
            {
                Interlocked.Decrement(ref _seriesCount);
                // The same labels in another tag order share this child and may still be reported.
                if (!ReportedElsewhere(series.Child, generation)) series.Child.Remove();
            }
        }
    }

    private bool ReportedElsewhere(ChildBase child, long generation)
    {
        foreach (var other in _series.Values)
        {
            if (ReferenceEquals(other.Child, child) && other.ObservedGeneration == generation) return true;
        }
        return false;
    }

    /// <summary>The instrument's meter was disposed: its series go with it.</summary>
    public void RemoveAll()
    {
        foreach (var (key, series) in _series)
        {
            if (_series.TryRemove(key, out _))
            {
                Interlocked.Decrement(ref _seriesCount);
                series.Child.Remove();
            }
        }
    }
}
