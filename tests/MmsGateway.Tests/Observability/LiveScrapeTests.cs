using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using MmsGateway.Observability;

namespace MmsGateway.Tests.Observability;

/// <summary>
/// The real application on a loopback port, scraped over HTTP: promtool accepts the scrape (lint included), the
/// contract's names are there, and a real Prometheus server scrapes it and answers a query about it.
/// </summary>
public sealed class LiveScrapeTests : IAsyncLifetime
{
    private const string Stream = "promtest";
    private RunningGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _gateway = await RunningGateway.StartAsync();
        var metrics = _gateway.App.Services.GetRequiredService<GatewayMetrics>();
        metrics.UpstreamConnectFailed(Stream, MetricLabels.Protocols.Mmsu, MetricLabels.ConnectResults.Timeout);
        metrics.UpstreamConnected(Stream, MetricLabels.Protocols.Mmst);
        metrics.UpstreamReconnect(Stream);
        metrics.UpstreamBytes(Stream, 123_456);
        metrics.UpstreamPacketsLost(Stream, MetricLabels.Protocols.Rtspu, MetricLabels.LossOutcomes.Recovered, 5);
        metrics.UpstreamPacketsLost(Stream, MetricLabels.Protocols.Rtspu, MetricLabels.LossOutcomes.Torn, 2);
        metrics.ViewerConnected(Stream, MetricLabels.Outputs.Asf);
        metrics.ViewerConnected(Stream, MetricLabels.Outputs.Hls);
        metrics.ViewerBytes(Stream, MetricLabels.Outputs.Asf, 65_536);
        metrics.PacketsDropped(Stream, MetricLabels.DropReasons.Thinning, 7);
        metrics.SetSelectedBitrate(Stream, 1_564_000);
        metrics.SetThinningLevel(Stream, 1);
        metrics.TranscoderStarted(Stream);
        metrics.HlsSegmentProduced(Stream, "0");
        metrics.HlsSegmentProduced(Stream, "0");
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private async Task<string> ScrapeAsync()
    {
        using var response = await _gateway.Client.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task Health_endpoints_answer_200_once_started()
    {
        using var healthz = await _gateway.Client.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        using var readyz = await _gateway.Client.GetAsync("readyz");
        Assert.Equal(HttpStatusCode.OK, readyz.StatusCode);
        Assert.Equal("Healthy\n", await readyz.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Promtool_accepts_a_live_scrape_without_errors_or_lint_warnings()
    {
        // Some traffic first, so ASP.NET Core's and Kestrel's histograms and counters have series.
        (await _gateway.Client.GetAsync("healthz")).Dispose();
        (await _gateway.Client.GetAsync("no-such-page")).Dispose();
        var body = await ScrapeAsync();
        var check = await Promtool.CheckMetricsAsync(body);
        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.True(check.StandardOutput.Length == 0 && check.StandardError.Length == 0, "promtool printed: " + check);
    }

    [Fact]
    public async Task The_scrape_has_the_contract_metrics_and_the_platform_meters()
    {
        (await _gateway.Client.GetAsync("healthz")).Dispose();
        var scrape = PrometheusText.Parse(await ScrapeAsync());
        Assert.Empty(scrape.DuplicateFamilies);
        var series = scrape.Samples.Select(s => s.Name + "{" + s.LabelText + "}").ToList();
        Assert.Equal(series.Count, series.Distinct().Count());

        // docs/design.md#metrics: names, types and labels are the contract.
        (string Name, string Type)[] contract =
        [
            ("mmsgw_upstream_sessions", "gauge"), ("mmsgw_upstream_connect_attempts_total", "counter"),
            ("mmsgw_upstream_reconnects_total", "counter"), ("mmsgw_upstream_bytes_total", "counter"),
            ("mmsgw_upstream_lost_packets_total", "counter"),
            ("mmsgw_viewers", "gauge"), ("mmsgw_viewer_bytes_total", "counter"), ("mmsgw_dropped_packets_total", "counter"),
            ("mmsgw_selected_bitrate_bps", "gauge"), ("mmsgw_thinning_level", "gauge"), ("mmsgw_transcoders", "gauge"),
            ("mmsgw_hls_segments_total", "counter"),
        ];
        foreach (var (name, type) in contract)
        {
            Assert.True(scrape.Types.TryGetValue(name, out var actual), $"{name} missing");
            Assert.Equal(type, actual);
            Assert.False(string.IsNullOrWhiteSpace(scrape.Help[name]));
        }
        Assert.Equal(1, scrape.Value("mmsgw_upstream_sessions", ("stream", Stream), ("protocol", "mmst")));
        Assert.Equal(1, scrape.Value("mmsgw_upstream_connect_attempts_total", ("stream", Stream), ("protocol", "mmst"), ("result", "success")));
        Assert.Equal(1, scrape.Value("mmsgw_upstream_connect_attempts_total", ("stream", Stream), ("protocol", "mmsu"), ("result", "timeout")));
        Assert.Equal(1, scrape.Value("mmsgw_upstream_reconnects_total", ("stream", Stream)));
        Assert.Equal(123_456, scrape.Value("mmsgw_upstream_bytes_total", ("stream", Stream)));
        Assert.Equal(5, scrape.Value("mmsgw_upstream_lost_packets_total", ("stream", Stream), ("protocol", "rtspu"), ("outcome", "recovered")));
        Assert.Equal(2, scrape.Value("mmsgw_upstream_lost_packets_total", ("stream", Stream), ("protocol", "rtspu"), ("outcome", "torn")));
        Assert.Equal(1, scrape.Value("mmsgw_viewers", ("stream", Stream), ("output", "hls")));
        Assert.Equal(65_536, scrape.Value("mmsgw_viewer_bytes_total", ("stream", Stream), ("output", "asf")));
        Assert.Equal(7, scrape.Value("mmsgw_dropped_packets_total", ("stream", Stream), ("reason", "thinning")));
        Assert.Equal(1_564_000, scrape.Value("mmsgw_selected_bitrate_bps", ("stream", Stream)));
        Assert.Equal(1, scrape.Value("mmsgw_thinning_level", ("stream", Stream)));
        Assert.Equal(1, scrape.Value("mmsgw_transcoders", ("stream", Stream)));
        Assert.Equal(2, scrape.Value("mmsgw_hls_segments_total", ("stream", Stream), ("variant", "0")));

        // ASP.NET Core's, Kestrel's and the runtime's meters, in Prometheus form.
        Assert.Equal("histogram", scrape.Types["http_server_request_duration_seconds"]);
        Assert.Contains(scrape.Samples, s => s.Name == "http_server_request_duration_seconds_bucket" && s.Labels["le"] == "+Inf"
            && s.Labels.GetValueOrDefault("http_route") == "/healthz");
        Assert.Equal("gauge", scrape.Types["kestrel_active_connections"]);
        Assert.Equal("counter", scrape.Types["dotnet_gc_heap_total_allocated_bytes_total"]);
        Assert.Equal("counter", scrape.Types["dotnet_process_cpu_time_seconds_total"]);
        Assert.Equal("gauge", scrape.Types["dotnet_process_memory_working_set_bytes"]);
    }

    [Fact]
    public async Task A_real_prometheus_server_scrapes_the_gateway_and_answers_queries()
    {
        var prometheus = Deployment.RepoPaths.FindOnPath("prometheus")
            ?? throw new InvalidOperationException("prometheus not found on PATH: install the Debian package prometheus (./test.sh does)");
        var work = Directory.CreateTempSubdirectory("mmsgw-prometheus-");
        try
        {
            var target = $"{_gateway.Address.Host}:{_gateway.Address.Port}";
            var config = Path.Combine(work.FullName, "prometheus.yml");
            await File.WriteAllTextAsync(config, $"""
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                scrape_configs:
                  - job_name: mmsgw
                    static_configs:
                      - targets: ["{target}"]
                """);
            var port = FreeLoopbackPort();
            await using var server = BackgroundProcess.Start(prometheus,
            [
                "--config.file=" + config,
                "--storage.tsdb.path=" + Path.Combine(work.FullName, "data"),
                $"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            ]);
            using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(5) };
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(40));

            var up = await PollAsync(api, "up{job=\"mmsgw\"}", v => v == "1", server, deadline.Token);
            Assert.Equal("1", up);
            var bytes = await PollAsync(api, $"mmsgw_upstream_bytes_total{{job=\"mmsgw\",stream=\"{Stream}\"}}", v => v == "123456", server, deadline.Token);
            Assert.Equal("123456", bytes);
            var bitrate = await PollAsync(api, $"sum(mmsgw_selected_bitrate_bps{{stream=\"{Stream}\"}})", v => v is not null, server, deadline.Token);
            Assert.Equal(1_564_000, double.Parse(bitrate!, CultureInfo.InvariantCulture));
        }
        finally
        {
            try
            {
                work.Delete(recursive: true);
            }
            catch (IOException)
            {
                // Prometheus may still be releasing its files; the temporary folder is left behind.
            }
        }
    }

    /// <summary>Queries until the first result's value satisfies <paramref name="accept"/>; the last value, or a failure with the server's output.</summary>
    private static async Task<string?> PollAsync(HttpClient api, string query, Func<string?, bool> accept, BackgroundProcess server, CancellationToken deadline)
    {
        string? last = null;
        string lastError = "";
        while (true)
        {
            if (server.HasExited) Assert.Fail($"prometheus exited:\n{server.Output}");
            try
            {
                using var response = await api.GetAsync("api/v1/query?query=" + Uri.EscapeDataString(query), deadline);
                var body = await response.Content.ReadAsStringAsync(deadline);
                if (response.IsSuccessStatusCode)
                {
                    using var json = JsonDocument.Parse(body);
                    var result = json.RootElement.GetProperty("data").GetProperty("result");
                    last = result.GetArrayLength() > 0 ? result[0].GetProperty("value")[1].GetString() : null;
                    if (accept(last)) return last;
                }
                else
                {
                    lastError = $"{(int)response.StatusCode} {body}"; // 503 "Service Unavailable" while it starts
                }
            }
            catch (HttpRequestException e)
            {
                lastError = e.Message; // not listening yet
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                Assert.Fail($"query {query}: last value {last ?? "none"} {lastError}\nprometheus output:\n{server.Output}");
            }
            try
            {
                await Task.Delay(250, deadline);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"query {query}: last value {last ?? "none"} {lastError}\nprometheus output:\n{server.Output}");
            }
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
