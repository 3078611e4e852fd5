using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MmsGateway.Observability;
using Prometheus;

namespace MmsGateway.Tests.Observability;

/// <summary>
/// The bridge and prometheus-net's exposition against meters of its own: format, aggregation, isolation, and the
/// zero-allocation hot path.
/// </summary>
public sealed class PrometheusMeterBridgeTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly IMeterFactory _factory;
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly PrometheusMeterBridge _exporter;

    public PrometheusMeterBridgeTests()
    {
        _factory = _services.GetRequiredService<IMeterFactory>();
        _exporter = new PrometheusMeterBridge(_factory, _registry, NullLogger<PrometheusMeterBridge>.Instance);
    }

    public void Dispose()
    {
        _exporter.Dispose();
        _services.Dispose();
    }

    private Meter TestMeter(string suffix = "Test") => _factory.Create("MmsGateway." + suffix);

    /// <summary>What <c>/metrics</c> writes: prometheus-net's text exposition of the registry.</summary>
    private string Render()
    {
        using var body = new MemoryStream();
        _registry.CollectAndExportAsTextAsync(body).GetAwaiter().GetResult();
        return System.Text.Encoding.UTF8.GetString(body.ToArray());
    }

    private PrometheusText Scrape() => PrometheusText.Parse(Render());

    [Fact]
    public void Counters_get_total_help_and_type()
    {
        var counter = TestMeter().CreateCounter<long>("unit.requests", "{request}", "Requests handled.");
        counter.Add(2, new KeyValuePair<string, object?>("route", "a"));
        counter.Add(3, new KeyValuePair<string, object?>("route", "a"));
        counter.Add(-7, new KeyValuePair<string, object?>("route", "a")); // ignored: counters only go up

        var text = Render();
        Assert.Contains("# HELP unit_requests_total Requests handled.\n# TYPE unit_requests_total counter\nunit_requests_total{route=\"a\"} 5\n", text);
    }

    [Fact]
    public void Histograms_have_cumulative_buckets_inf_sum_and_count_in_seconds()
    {
        var histogram = TestMeter().CreateHistogram<double>("unit.latency", "ms", "Latency.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [10, 100, 1000] });
        foreach (var ms in new[] { 5.0, 10.0, 50.0, 500.0, 5000.0 }) histogram.Record(ms, new KeyValuePair<string, object?>("k", "v"));

        var text = Render();
        Assert.Contains("# TYPE unit_latency_seconds histogram\n", text);
        Assert.Contains(
            "unit_latency_seconds_bucket{k=\"v\",le=\"0.01\"} 2\n" + // 5 and 10 ms: le is "less than or equal"
            "unit_latency_seconds_bucket{k=\"v\",le=\"0.1\"} 3\n" +
            "unit_latency_seconds_bucket{k=\"v\",le=\"1\"} 4\n" +
            "unit_latency_seconds_bucket{k=\"v\",le=\"+Inf\"} 5\n", text);
        var scrape = Scrape();
        Assert.Equal(5.565, scrape.Value("unit_latency_seconds_sum"), 9);
        Assert.Equal(5, scrape.Value("unit_latency_seconds_count"));
    }

    [Fact]
    public void Histograms_without_advice_use_default_buckets_and_no_labels_render_bare()
    {
        TestMeter().CreateHistogram<long>("unit.size", "By").Record(300);
        var scrape = Scrape();
        Assert.Equal("histogram", scrape.Types["unit_size_bytes"]);
        Assert.Equal(0, scrape.Value("unit_size_bytes_bucket", ("le", "250")));
        Assert.Equal(1, scrape.Value("unit_size_bytes_bucket", ("le", "500")));
        Assert.Equal(300, scrape.Value("unit_size_bytes_sum"));
        Assert.Contains("unit_size_bytes_count 1\n", Render());
    }

    [Fact]
    public void Label_values_are_escaped_and_tags_sorted()
    {
        TestMeter().CreateUpDownCounter<int>("unit.odd").Add(1,
            new KeyValuePair<string, object?>("z.last", "q\"uo\\te\nnl"),
            new KeyValuePair<string, object?>("a.first", 1.5));
        Assert.Contains("unit_odd{a_first=\"1.5\",z_last=\"q\\\"uo\\\\te\\nnl\"} 1\n", Render());
        Assert.Equal("q\"uo\\te\nnl", Scrape().Samples.Single(s => s.Name == "unit_odd").Labels["z_last"]);
    }

    [Fact]
    public void One_family_and_no_duplicate_series_when_two_meters_or_tag_orders_collide()
    {
        // Two meters of one name in one scope, and the same tags in two orders: one family, one series, summed.
        var first = TestMeter("Twin").CreateCounter<long>("unit.twin");
        var second = _factory.Create(new MeterOptions("MmsGateway.Twin") { Version = "2" }).CreateCounter<long>("unit.twin");
        first.Add(1, new("a", "1"), new("b", "2"));
        second.Add(2, new("a", "1"), new("b", "2"));
        first.Add(4, new("b", "2"), new("a", "1"));

        var scrape = Scrape();
        Assert.Empty(scrape.DuplicateFamilies);
        Assert.Equal(7, scrape.Value("unit_twin_total", ("a", "1"), ("b", "2")));
        Assert.Single(scrape.Samples, s => s.Name == "unit_twin_total");
    }

    [Fact]
    public void A_name_taken_by_another_type_keeps_its_first_owner()
    {
        TestMeter("A").CreateUpDownCounter<long>("unit.clash").Add(1);
        TestMeter("B").CreateHistogram<long>("unit.clash").Record(1);
        var scrape = Scrape();
        Assert.Equal("gauge", scrape.Types["unit_clash"]);
        Assert.DoesNotContain(scrape.Samples, s => s.Name.StartsWith("unit_clash_", StringComparison.Ordinal));
    }

    [Fact]
    public void Observable_series_disappear_when_no_longer_reported()
    {
        var reported = new Dictionary<string, int> { ["a"] = 1, ["b"] = 2 };
        TestMeter().CreateObservableGauge("unit.current", () =>
            reported.Select(p => new Measurement<int>(p.Value, new KeyValuePair<string, object?>("s", p.Key))).ToArray());
        Assert.Equal(2, Scrape().Samples.Count(s => s.Name == "unit_current"));
        reported.Remove("a");
        reported["b"] = 5;
        var scrape = Scrape();
        Assert.Equal(5, scrape.Value("unit_current", ("s", "b")));
        Assert.Single(scrape.Samples, s => s.Name == "unit_current");
    }

    [Fact]
    public void Meters_of_another_application_are_not_exported()
    {
        using var other = new ServiceCollection().AddMetrics().BuildServiceProvider();
        other.GetRequiredService<IMeterFactory>().Create("MmsGateway.Test").CreateCounter<long>("unit.foreign").Add(1);
        TestMeter().CreateCounter<long>("unit.own").Add(1);
        var text = Render();
        Assert.Contains("unit_own_total 1", text);
        Assert.DoesNotContain("unit_foreign", text);
    }

    [Fact]
    public void Meters_outside_the_exported_set_are_not_exported()
    {
        _factory.Create("Some.Library").CreateCounter<long>("unit.library").Add(1);
        Assert.DoesNotContain("unit_library", Render());
        Assert.True(PrometheusMeterBridge.IsExportedMeter("Microsoft.AspNetCore.Server.Kestrel"));
        Assert.True(PrometheusMeterBridge.IsExportedMeter("Microsoft.AspNetCore.Hosting"));
        Assert.True(PrometheusMeterBridge.IsExportedMeter("Microsoft.AspNetCore.Http.Connections"));
        Assert.True(PrometheusMeterBridge.IsExportedMeter("System.Net.Http"));
        Assert.True(PrometheusMeterBridge.IsExportedMeter("System.Runtime"));
        Assert.True(PrometheusMeterBridge.IsExportedMeter("MmsGateway"));
        Assert.False(PrometheusMeterBridge.IsExportedMeter("MmsGatewayX"));
    }

    [Fact]
    public async Task A_disposed_meter_takes_its_series_with_it()
    {
        var meter = new Meter("MmsGateway.Disposable"); // no scope: process-wide, still exported
        meter.CreateCounter<long>("unit.gone").Add(1, new KeyValuePair<string, object?>("k", "v"));
        meter.CreateCounter<long>("unit.gone.bare").Add(1);
        Assert.Equal(1, Scrape().Value("unit_gone_total", ("k", "v")));
        Assert.Equal(1, Scrape().Value("unit_gone_bare_total"));
        meter.Dispose();
        // prometheus-net cannot unregister a family, so its HELP and TYPE stay; no sample does, and promtool accepts that.
        var text = Render();
        Assert.DoesNotContain(PrometheusText.Parse(text).Samples, s => s.Name.StartsWith("unit_gone", StringComparison.Ordinal));
        var check = await Promtool.CheckMetricsAsync(text);
        Assert.True(check.ExitCode == 0 && check.StandardOutput.Length == 0 && check.StandardError.Length == 0, check + "\n" + text);
    }

    [Fact]
    public void Series_beyond_the_limit_are_dropped_not_grown()
    {
        var counter = TestMeter().CreateCounter<long>("unit.unbounded");
        for (var i = 0; i < InstrumentState.MaxSeries + 50; i++) counter.Add(1, new KeyValuePair<string, object?>("id", i));
        Assert.Equal(InstrumentState.MaxSeries, Scrape().Samples.Count(s => s.Name == "unit_unbounded_total"));
    }

    [Fact]
    public void The_gateway_metrics_hot_path_allocates_nothing()
    {
        var metrics = new GatewayMetrics(_factory);
        const string stream = "alloc";
        void Hot()
        {
            metrics.UpstreamBytes(stream, 1400);
            metrics.ViewerBytes(stream, MetricLabels.Outputs.Asf, 1400);
            metrics.PacketsDropped(stream, MetricLabels.DropReasons.SlowViewer, 1);
        }
        const int Calls = 10_000;
        Hot(); // first use creates the series
        Render();
        // Warm up past tiered compilation: the runtime's own one-off work (a tier-1 or OSR
        // compile of this loop) can allocate a few KB on this thread once, which is not the
        // hot path's doing. A per-call allocation costs at least 24 B a call, so the measured
        // run must stay below one byte a call.
        for (var i = 0; i < Calls; i++) Hot();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Calls; i++) Hot();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < Calls, $"{allocated} B allocated over {Calls} hot-path calls");
        var scrape = Scrape();
        Assert.Equal(1400.0 * (2 * Calls + 1), scrape.Value("mmsgw_upstream_bytes_total", ("stream", stream)));
        Assert.Equal(2 * Calls + 1, scrape.Value("mmsgw_dropped_packets_total", ("stream", stream), ("reason", "slow_viewer")));
    }

    [Fact]
    public void The_hot_path_allocates_nothing_inside_a_trace_either()
    {
        // The viewer loops run inside traced requests; prometheus-net would look at Activity.Current on every value
        // (the bridge turns exemplars off), and nothing on that path may allocate either.
        using var source = new System.Diagnostics.ActivitySource("MmsGateway.Tests.Trace");
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = s => s == source,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) =>
                System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        using var activity = source.StartActivity("request");
        Assert.NotNull(System.Diagnostics.Activity.Current);
        var metrics = new GatewayMetrics(_factory);
        const int Calls = 10_000;
        for (var i = 0; i < 2 * Calls; i++) metrics.ViewerBytes("traced", MetricLabels.Outputs.Asf, 1400);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Calls; i++) metrics.ViewerBytes("traced", MetricLabels.Outputs.Asf, 1400);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < Calls, $"{allocated} B allocated over {Calls} calls inside a trace");
        Assert.Equal(1400.0 * 3 * Calls, Scrape().Value("mmsgw_viewer_bytes_total", ("stream", "traced"), ("output", "asf")));
    }

    [Fact]
    public void Gateway_gauges_follow_their_setters_and_forget_streams()
    {
        var metrics = new GatewayMetrics(_factory);
        metrics.SetSelectedBitrate("g", 1_500_000);
        metrics.SetThinningLevel("g", 1);
        metrics.ViewerConnected("g", MetricLabels.Outputs.Hls);
        metrics.ViewerConnected("g", MetricLabels.Outputs.Hls);
        metrics.ViewerDisconnected("g", MetricLabels.Outputs.Hls);
        metrics.TranscoderStarted("g");
        var scrape = Scrape();
        Assert.Equal(1_500_000, scrape.Value("mmsgw_selected_bitrate_bps", ("stream", "g")));
        Assert.Equal(1, scrape.Value("mmsgw_thinning_level", ("stream", "g")));
        Assert.Equal(1, scrape.Value("mmsgw_viewers", ("stream", "g"), ("output", "hls")));
        Assert.Equal(1, scrape.Value("mmsgw_transcoders", ("stream", "g")));
        Assert.Equal(1, scrape.Value("mmsgw_build_info"));

        metrics.ForgetStream("g");
        scrape = Scrape();
        Assert.DoesNotContain(scrape.Samples, s => s.Name is "mmsgw_selected_bitrate_bps" or "mmsgw_thinning_level");
    }

    [Fact]
    public async Task Promtool_accepts_awkward_names_labels_and_values()
    {
        var meter = TestMeter();
        meter.CreateCounter<double>("weird.Name-with/chars", "s").Add(0.25, new KeyValuePair<string, object?>("le", "x"), new KeyValuePair<string, object?>("path", "C:\\a \"b\"\nc"));
        meter.CreateObservableUpDownCounter("unit.items.count", () => 3);
        meter.CreateGauge<float>("unit.ratio").Record(float.NaN);
        meter.CreateHistogram<int>("unit.empty.histogram"); // no recordings: no family at all
        var text = Render();
        Assert.DoesNotContain("unit_empty_histogram", text);
        var check = await Promtool.CheckMetricsAsync(text);
        Assert.True(check.ExitCode == 0 && check.StandardOutput.Length == 0 && check.StandardError.Length == 0, check + "\n" + text);
    }
}
