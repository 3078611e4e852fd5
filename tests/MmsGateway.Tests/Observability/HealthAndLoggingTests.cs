using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using MmsGateway.Observability;

namespace MmsGateway.Tests.Observability;

public class HealthAndLoggingTests
{
    // No embedded demo origin: these hosts are built and sometimes never started, so nothing would stop it.
    private const string NoDemo = "--Gateway:Demo=false";
    // The health-check service logs every unhealthy result as an error; here they are expected.
    private const string QuietHealthChecks = "--Logging:LogLevel:Microsoft.Extensions.Diagnostics.HealthChecks=None";

    private static Task<HealthReport> ReadinessAsync(WebApplication app) =>
        app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Tags.Contains(GatewayHealth.ReadyTag));

    [Fact]
    public async Task Readiness_is_off_until_started_and_again_once_shutdown_begins_while_liveness_stays_on()
    {
        var app = GatewayHost.Build(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", NoDemo, QuietHealthChecks]);
        try
        {
            var before = await ReadinessAsync(app);
            Assert.Equal(HealthStatus.Unhealthy, before.Status);
            Assert.Contains("starting", before.Entries.Values.Single().Description, StringComparison.Ordinal);

            await app.StartAsync();
            using var client = new HttpClient { BaseAddress = RunningGateway.BoundAddress(app) };
            using (var ready = await client.GetAsync("readyz")) Assert.Equal(HttpStatusCode.OK, ready.StatusCode);

            // Shutdown begins (SIGTERM does this): Kestrel still answers, /readyz now says 503 so the load balancer
            // stops sending viewers, /healthz stays 200 so the orchestrator does not restart the pod.
            app.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
            using (var notReady = await client.GetAsync("readyz"))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
                Assert.Equal("Unhealthy\ngateway: shutting down\n", await notReady.Content.ReadAsStringAsync());
            }
            using (var live = await client.GetAsync("healthz")) Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private sealed class SwitchableCheck : IReadinessCheck
    {
        public static volatile bool Ready;

        public string Name => "streams";

        public bool IsReady([NotNullWhen(false)] out string? reason)
        {
            reason = Ready ? null : "configuration not loaded";
            return Ready;
        }
    }

    [Fact]
    public async Task A_registered_readiness_check_holds_readyz_back()
    {
        // The stream layer's hook: AddGatewayReadinessCheck<T>.
        var builder = WebApplication.CreateBuilder(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", NoDemo, QuietHealthChecks]);
        builder.Services.AddGatewayObservability(builder.Configuration);
        builder.Services.AddGatewayReadinessCheck<SwitchableCheck>();
        await using var app = builder.Build();
        app.MapGatewayObservability();
        await app.StartAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = RunningGateway.BoundAddress(app) };
            SwitchableCheck.Ready = false;
            using (var response = await client.GetAsync("readyz"))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.Contains("streams: configuration not loaded", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
            using (var live = await client.GetAsync("healthz")) Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            SwitchableCheck.Ready = true;
            using (var response = await client.GetAsync("readyz")) Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Theory]
    [InlineData("--Gateway:LogFormat=json", "json")]
    [InlineData("--Gateway:LogFormat=JSON", "json")]
    [InlineData("--Logging:Console:FormatterName=json", "json")]
    [InlineData("--Gateway:LogFormat=systemd", "systemd")]
    [InlineData("--Logging:LogLevel:Default=Error", "simple")]
    public async Task The_log_format_switch_picks_the_console_formatter(string argument, string formatter)
    {
        await using var app = GatewayHost.Build(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", argument, NoDemo]);
        var options = app.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue;
        Assert.Equal(formatter, options.FormatterName ?? "simple");
    }

    [Fact]
    public async Task A_bad_log_format_stops_start_up_naming_the_key()
    {
        await using var app = GatewayHost.Build(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.Extensions.Hosting=None", "--Gateway:LogFormat=xml", NoDemo]);
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains("Gateway:LogFormat", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_gateway_process_writes_json_log_lines_when_asked()
    {
        // The real executable, as a container runs it with Gateway__LogFormat=json: every line is one JSON object.
        var gateway = Path.Combine(AppContext.BaseDirectory, "MmsGateway.dll");
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var process = BackgroundProcess.Start("dotnet", [gateway, "serve", "--urls", "http://127.0.0.1:0", "--Gateway:LogFormat=json"],
            line =>
            {
                if (line.Contains("Now listening on", StringComparison.Ordinal)) listening.TrySetResult(line);
            });
        var finished = await Task.WhenAny(listening.Task, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.True(finished == listening.Task, "no 'Now listening on' line within 30 s:\n" + process.Output);
        using var json = JsonDocument.Parse(await listening.Task);
        Assert.Equal("Information", json.RootElement.GetProperty("LogLevel").GetString());
        Assert.Equal("Microsoft.Hosting.Lifetime", json.RootElement.GetProperty("Category").GetString());
        Assert.EndsWith("Z", json.RootElement.GetProperty("Timestamp").GetString(), StringComparison.Ordinal);
    }
}
