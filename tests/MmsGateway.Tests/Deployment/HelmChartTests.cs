using System.Text.Json;
using MmsGateway.Tests.Observability;

namespace MmsGateway.Tests.Deployment;

/// <summary>charts/mms-gateway: helm lint --strict and helm template, default and with every option switched on.</summary>
public class HelmChartTests
{
    private static string Chart => RepoPaths.Combine("charts", "mms-gateway");

    private static string AllOptions => RepoPaths.Combine("charts", "mms-gateway", "ci", "all-options-values.yaml");

    private static Task<ProcessResult> HelmAsync(params string[] arguments) =>
        ExternalProcess.RunAsync(RepoPaths.Helm!, arguments, TimeSpan.FromSeconds(60));

    private static async Task<Dictionary<string, JsonElement>> RenderAsync(params string[] extra)
    {
        var result = await HelmAsync(["template", "mmsgw", Chart, "--namespace", "media", .. extra]);
        Assert.True(result.ExitCode == 0, result.ToString());
        var documents = await HelmYaml.ParseAllAsync(HelmYaml.SplitDocuments(result.StandardOutput));
        var byKind = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var document in documents) Assert.True(byKind.TryAdd(document.GetProperty("kind").GetString()!, document), "two of one kind");
        return byKind;
    }

    [HelmFact]
    public async Task Lint_strict_passes_with_default_values()
    {
        var result = await HelmAsync("lint", "--strict", Chart);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("0 chart(s) failed", result.StandardOutput, StringComparison.Ordinal);
    }

    [HelmFact]
    public async Task Lint_strict_passes_with_all_options()
    {
        var result = await HelmAsync("lint", "--strict", Chart, "-f", AllOptions);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("0 chart(s) failed", result.StandardOutput, StringComparison.Ordinal);
    }

    [HelmFact]
    public async Task Default_values_render_deployment_service_configmap_and_pdb_only()
    {
        var kinds = await RenderAsync();
        Assert.Equal(["ConfigMap", "Deployment", "PodDisruptionBudget", "Service"], kinds.Keys.Order(StringComparer.Ordinal));
        var deployment = kinds["Deployment"];
        Assert.Equal(1, deployment.GetProperty("spec").GetProperty("replicas").GetInt32());
        AssertProbesAndSecurity(deployment);
    }

    [HelmFact]
    public async Task All_options_render_every_kind_consistently()
    {
        var kinds = await RenderAsync("-f", AllOptions);
        Assert.Equal(
            ["ConfigMap", "Deployment", "HorizontalPodAutoscaler", "Ingress", "PodDisruptionBudget", "Service", "ServiceMonitor"],
            kinds.Keys.Order(StringComparer.Ordinal));

        var deployment = kinds["Deployment"];
        AssertProbesAndSecurity(deployment);
        var name = deployment.GetProperty("metadata").GetProperty("name").GetString();
        // The HPA owns the replica count.
        Assert.False(deployment.GetProperty("spec").TryGetProperty("replicas", out _));

        // Ingress: consistent hashing so one pod serves a URL and holds its upstream session; backend = the Service.
        var ingress = kinds["Ingress"];
        var annotations = ingress.GetProperty("metadata").GetProperty("annotations");
        Assert.Equal("$request_uri", annotations.GetProperty("nginx.ingress.kubernetes.io/upstream-hash-by").GetString());
        var backend = ingress.GetProperty("spec").GetProperty("rules")[0].GetProperty("http").GetProperty("paths")[0]
            .GetProperty("backend").GetProperty("service");
        var service = kinds["Service"];
        Assert.Equal(service.GetProperty("metadata").GetProperty("name").GetString(), backend.GetProperty("name").GetString());
        Assert.Equal(service.GetProperty("spec").GetProperty("ports")[0].GetProperty("port").GetInt32(),
            backend.GetProperty("port").GetProperty("number").GetInt32());

        var hpa = kinds["HorizontalPodAutoscaler"].GetProperty("spec");
        Assert.Equal(name, hpa.GetProperty("scaleTargetRef").GetProperty("name").GetString());
        Assert.Equal(2, hpa.GetProperty("metrics").GetArrayLength());

        // ServiceMonitor: scrapes /metrics on the Service's named port, selecting the Service's labels.
        var monitor = kinds["ServiceMonitor"].GetProperty("spec");
        var endpoint = monitor.GetProperty("endpoints")[0];
        Assert.Equal("/metrics", endpoint.GetProperty("path").GetString());
        Assert.Equal(service.GetProperty("spec").GetProperty("ports")[0].GetProperty("name").GetString(), endpoint.GetProperty("port").GetString());
        foreach (var label in monitor.GetProperty("selector").GetProperty("matchLabels").EnumerateObject())
            Assert.Equal(label.Value.GetString(), service.GetProperty("metadata").GetProperty("labels").GetProperty(label.Name).GetString());

        Assert.Equal(1, kinds["PodDisruptionBudget"].GetProperty("spec").GetProperty("minAvailable").GetInt32());

        // Streams become ASP.NET Core environment keys; whole numbers stay whole (not 1.5e+06).
        var data = kinds["ConfigMap"].GetProperty("data");
        Assert.Equal("mms://origin.example.net/demo", data.GetProperty("Gateway__Streams__demo__Source").GetString());
        Assert.Equal("1500000", data.GetProperty("Gateway__Streams__demo__MaxBitrate").GetString());
        Assert.Equal("mmsh", data.GetProperty("Gateway__Streams__demo__Protocols__0").GetString());
        Assert.Equal("00:01:00", data.GetProperty("Gateway__Backoff__Max").GetString());
    }

    [HelmFact]
    public async Task A_stream_without_source_fails_the_render()
    {
        var result = await HelmAsync("template", "mmsgw", Chart, "--set", "gateway.streams.broken.MaxBitrate=1");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("gateway.streams.broken.Source is required", result.StandardError, StringComparison.Ordinal);
    }

    /// <summary>Liveness on /healthz, readiness on /readyz (the gateway's contract), non-root and read-only root.</summary>
    private static void AssertProbesAndSecurity(JsonElement deployment)
    {
        var pod = deployment.GetProperty("spec").GetProperty("template").GetProperty("spec");
        var container = pod.GetProperty("containers")[0];
        Assert.Equal("/healthz", container.GetProperty("livenessProbe").GetProperty("httpGet").GetProperty("path").GetString());
        Assert.Equal("/readyz", container.GetProperty("readinessProbe").GetProperty("httpGet").GetProperty("path").GetString());
        Assert.Equal("/healthz", container.GetProperty("startupProbe").GetProperty("httpGet").GetProperty("path").GetString());
        foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
            Assert.Equal("http", container.GetProperty(probe).GetProperty("httpGet").GetProperty("port").GetString());
        Assert.Equal("http", container.GetProperty("ports")[0].GetProperty("name").GetString());
        var port = container.GetProperty("ports")[0].GetProperty("containerPort").GetInt32();
        Assert.Contains(container.GetProperty("env").EnumerateArray(),
            e => e.GetProperty("name").GetString() == "ASPNETCORE_URLS" && e.GetProperty("value").GetString() == $"http://+:{port}");
        Assert.True(pod.GetProperty("securityContext").GetProperty("runAsNonRoot").GetBoolean());
        Assert.NotEqual(0, pod.GetProperty("securityContext").GetProperty("runAsUser").GetInt32());
        var security = container.GetProperty("securityContext");
        Assert.True(security.GetProperty("readOnlyRootFilesystem").GetBoolean());
        Assert.False(security.GetProperty("allowPrivilegeEscalation").GetBoolean());
        // A read-only root needs a writable /tmp (ffmpeg, .NET).
        Assert.Contains(container.GetProperty("volumeMounts").EnumerateArray(), m => m.GetProperty("mountPath").GetString() == "/tmp");
    }
}
