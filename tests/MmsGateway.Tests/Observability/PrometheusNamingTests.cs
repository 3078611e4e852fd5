using MmsGateway.Observability;
using static MmsGateway.Observability.PrometheusNaming;

namespace MmsGateway.Tests.Observability;

public class PrometheusNamingTests
{
    [Theory]
    // Dots become underscores; base-unit suffixes from the unit; counters end in _total.
    [InlineData("http.server.request.duration", "s", PrometheusMetricType.Histogram, "http_server_request_duration_seconds")]
    [InlineData("dotnet.gc.pause.time", "s", PrometheusMetricType.Counter, "dotnet_gc_pause_time_seconds_total")]
    [InlineData("dotnet.gc.heap.total_allocated", "By", PrometheusMetricType.Counter, "dotnet_gc_heap_total_allocated_bytes_total")]
    [InlineData("kestrel.active_connections", "{connection}", PrometheusMetricType.Gauge, "kestrel_active_connections")]
    [InlineData("request.latency", "ms", PrometheusMetricType.Histogram, "request_latency_seconds")]
    // The contract's names: the suffix is not doubled when the name already ends in it.
    [InlineData("mmsgw_upstream_bytes", "By", PrometheusMetricType.Counter, "mmsgw_upstream_bytes_total")]
    [InlineData("mmsgw_upstream_connect_attempts", "{attempt}", PrometheusMetricType.Counter, "mmsgw_upstream_connect_attempts_total")]
    [InlineData("mmsgw_selected_bitrate_bps", "{bit}/s", PrometheusMetricType.Gauge, "mmsgw_selected_bitrate_bps")]
    [InlineData("mmsgw_viewers", "{viewer}", PrometheusMetricType.Gauge, "mmsgw_viewers")]
    // _total only on counters, at the very end.
    [InlineData("requests_total", null, PrometheusMetricType.Counter, "requests_total")]
    [InlineData("queue_total", null, PrometheusMetricType.Gauge, "queue")]
    [InlineData("io.time_total", "s", PrometheusMetricType.Counter, "io_time_seconds_total")]
    // Gauges never end like histogram samples.
    [InlineData("dotnet.assembly.count", "{assembly}", PrometheusMetricType.Gauge, "dotnet_assembly_count_current")]
    [InlineData("dotnet.gc.collections.count", "{collection}", PrometheusMetricType.Counter, "dotnet_gc_collections_count_total")]
    // camelCase, invalid characters, runs of underscores, leading digit.
    [InlineData("myApp.RequestCount", null, PrometheusMetricType.Counter, "my_app_request_count_total")]
    [InlineData("a-b/c..d", null, PrometheusMetricType.Gauge, "a_b_c_d")]
    [InlineData("9lives", null, PrometheusMetricType.Gauge, "_9lives")]
    // No colons in metric names either (prometheus-net 8 refuses them; Prometheus keeps them for recording rules).
    [InlineData("server:requests", null, PrometheusMetricType.Counter, "server_requests_total")]
    public void Instrument_names_become_prometheus_names(string instrument, string? unit, PrometheusMetricType type, string expected) =>
        Assert.Equal(expected, MetricName(instrument, unit, type));

    [Theory]
    [InlineData("http.request.method", "http_request_method")]
    [InlineData("error.type", "error_type")]
    [InlineData("__name", "_name")] // runs of underscores collapse, so never the reserved "__" prefix
    [InlineData("server:port", "server_port")]
    public void Tag_keys_become_label_names(string tag, string expected) => Assert.Equal(expected, LabelName(tag));

    [Fact]
    public void Help_escapes_backslash_and_newline_but_not_quotes() =>
        Assert.Equal(@"a \\ b\n""c""", EscapeHelp("a \\ b\n\"c\""));

    [Theory]
    [InlineData("ms", "seconds", 0.001)]
    [InlineData("us", "seconds", 0.000001)]
    [InlineData("KiBy", "bytes", 1024)]
    [InlineData("{request}", null, 1)]
    [InlineData(null, null, 1)]
    public void Units_convert_to_base_units(string? unit, string? suffix, double scale)
    {
        var conversion = ConvertUnit(unit);
        Assert.Equal(suffix, conversion.Suffix);
        Assert.Equal(scale, conversion.Scale, 12);
    }
}
