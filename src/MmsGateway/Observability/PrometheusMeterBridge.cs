using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace MmsGateway.Observability;

/// <summary>
/// Feeds the gateway's <see cref="System.Diagnostics.Metrics"/> instruments, ASP.NET Core's, System.Net's and the
/// runtime's into a prometheus-net <see cref="CollectorRegistry"/>, which <c>/metrics</c> serves (text exposition
/// format 0.0.4). A <see cref="MeterListener"/> of our own rather than prometheus-net's MeterAdapter, which would
/// change the contract's names (it prefixes the meter's name, adds no <c>_total</c> and no base-unit suffix,
/// exports every counter as a gauge), expire series unchanged for 5 minutes (an idle stream's viewer gauge would
/// vanish) and format every tag value again on each measurement. Here each series is looked up by its tags without
/// allocating and updates its prometheus-net child directly.
/// </summary>
public sealed class PrometheusMeterBridge : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly object? _scope;
    private readonly Func<string, bool> _meterNameFilter;
    private readonly ILogger _logger;
    private readonly IMetricFactory _factory;
    private readonly CollectionClock _clock = new();
    private readonly Lock _collectLock = new();
    private readonly Lock _stateLock = new();
    private readonly List<InstrumentState> _instruments = [];
    private readonly Dictionary<string, PrometheusFamily> _families = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <summary>Exports the default meters (<see cref="IsExportedMeter"/>) of one application into a registry of its own.</summary>
    /// <param name="meterFactory">
    /// The application's meter factory. Meters it created (ASP.NET Core's, ours) are exported; meters of other
    /// factories are not, so two hosts in one process (tests) never mix their series. Meters without a scope
    /// (the runtime's, System.Net's static ones) belong to the process and are exported by every host.
    /// </param>
    public PrometheusMeterBridge(IMeterFactory meterFactory, ILogger<PrometheusMeterBridge> logger)
        : this(meterFactory, Metrics.NewCustomRegistry(), IsExportedMeter, logger)
    {
    }

    /// <summary>Exports the default meters of one application into <paramref name="registry"/>.</summary>
    public PrometheusMeterBridge(IMeterFactory meterFactory, CollectorRegistry registry, ILogger<PrometheusMeterBridge> logger)
        : this(meterFactory, registry, IsExportedMeter, logger)
    {
    }

    internal PrometheusMeterBridge(object? scope, CollectorRegistry registry, Func<string, bool> meterNameFilter, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _scope = scope;
        Registry = registry;
        _meterNameFilter = meterNameFilter;
        _logger = logger;
        // No exemplars: the default provider reads Activity.Current on every recorded value and keeps a (pooled)
        // exemplar of it while a trace is active, work for nothing: the text format 0.0.4 served here cannot carry them.
        var factory = Metrics.WithCustomRegistry(registry);
        factory.ExemplarBehavior = ExemplarBehavior.NoExemplars();
        _factory = factory;
        registry.AddBeforeCollectCallback(CollectObservables);

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

    /// <summary>The registry <c>/metrics</c> serializes.</summary>
    public CollectorRegistry Registry { get; }

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
        lock (_stateLock)
        {
            if (ClaimFamily(state) is not { } family) return;
            state.Family = family;
            _instruments.Add(state);
        }
        listener.EnableMeasurementEvents(instrument, state);
    }

    /// <summary>
    /// The family an instrument feeds: the one of its name if it means the same kind of thing, else none (the first
    /// owner keeps a name; prometheus-net cannot hold two types under one name and cannot unregister a family, so a
    /// name, once claimed, stays with its type). A histogram's <c>_bucket</c>, <c>_sum</c> and <c>_count</c> names
    /// count as taken by it, and the other way round.
    /// </summary>
    private PrometheusFamily? ClaimFamily(InstrumentState state)
    {
        var name = state.FamilyName;
        if (_families.TryGetValue(name, out var existing))
        {
            if (existing.Accepts(state.Type, state.Bounds)) return existing;
            ObservabilityLog.FamilyConflict(_logger, state.Instrument.Meter.Name, state.Instrument.Name, name, TypeName(existing.Type));
            return null;
        }
        foreach (var suffix in (ReadOnlySpan<string>)["_bucket", "_sum", "_count"])
        {
            var clash = state.Type == PrometheusNaming.PrometheusMetricType.Histogram
                ? _families.GetValueOrDefault(name + suffix)
                : name.EndsWith(suffix, StringComparison.Ordinal) && _families.TryGetValue(name[..^suffix.Length], out var histogram)
                    && histogram.Type == PrometheusNaming.PrometheusMetricType.Histogram ? histogram : null;
            if (clash is not null)
            {
                ObservabilityLog.FamilyConflict(_logger, state.Instrument.Meter.Name, state.Instrument.Name, name, TypeName(clash.Type));
                return null;
            }
        }
        var family = new PrometheusFamily(_factory, name, state.Type, state.Help, state.Bounds);
        _families.Add(name, family);
        return family;
    }

    private static string TypeName(PrometheusNaming.PrometheusMetricType type) => type switch
    {
        PrometheusNaming.PrometheusMetricType.Counter => "counter",
        PrometheusNaming.PrometheusMetricType.Histogram => "histogram",
        _ => "gauge",
    };

    private void OnMeasurementsCompleted(Instrument instrument, object? state)
    {
        // The meter was disposed: its series go with it.
        if (state is not InstrumentState s) return;
        lock (_stateLock) _instruments.Remove(s);
        s.RemoveAll();
    }

    /// <summary>
    /// Before each scrape: the observable instruments report their current values, series they no longer report
    /// are removed, and limits reached since the last scrape are logged.
    /// </summary>
    private void CollectObservables()
    {
        lock (_collectLock)
        {
            if (Volatile.Read(ref _disposed)) return;
            var generation = _clock.Advance();
            _listener.RecordObservableInstruments();
            InstrumentState[] instruments;
            lock (_stateLock) instruments = [.. _instruments];
            foreach (var state in instruments)
            {
                state.RemoveUnreported(generation);
                if (state.TakeOverflow())
                    ObservabilityLog.SeriesLimitReached(_logger, state.Instrument.Meter.Name, state.Instrument.Name, InstrumentState.MaxSeries);
                if (state.TakeFailure())
                    ObservabilityLog.SeriesRefused(_logger, state.Instrument.Meter.Name, state.Instrument.Name);
            }
        }
    }

    public void Dispose()
    {
        // The registry keeps the callback (it cannot be unregistered); it does nothing once disposed.
        lock (_collectLock) Volatile.Write(ref _disposed, true);
        _listener.Dispose();
    }
}
