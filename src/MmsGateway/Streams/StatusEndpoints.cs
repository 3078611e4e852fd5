using MmsGateway.Http;
using System.Net;
using System.Text;
using System.Text.Json.Serialization;
using MmsGateway.Observability;

namespace MmsGateway.Streams;

/// <summary>One stream as <c>GET /streams</c> shows it (docs/design.md#http).</summary>
public sealed record StreamStatus(
    string Name, string Source, string State, bool OnDemand, string? Protocol, int Viewers, long Reconnects, string? LastError,
    IReadOnlyList<int> SelectedStreams, IReadOnlyList<StreamTrack> Tracks, string Player, string Asf, string Hls,
    Adaptation.AdaptationSnapshot? Adaptation);

public sealed record StreamTrack(int Number, string Type, string Codec, long Bitrate, bool Selected);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(StreamsDocument))]
internal sealed partial class StatusJsonContext : JsonSerializerContext;

public sealed record StreamsDocument(IReadOnlyList<StreamStatus> Streams);

/// <summary>
/// <c>GET /</c> (every stream with its links) and <c>GET /streams</c> (the same as JSON), both administrative when
/// <c>Gateway:Security:AdminApiKey</c> is set; <c>GET /streams/{name}/status</c>, one stream's state for its viewers
/// (below the stream's signed prefix, without the upstream URL), for a player page when the full list is closed.
/// </summary>
public static class StatusEndpoints
{
    public static void MapStatusEndpoints(this WebApplication app)
    {
        app.MapGet("/streams", (StreamRegistry registry) => Results.Json(new StreamsDocument(Describe(registry)), StatusJsonContext.Default.StreamsDocument));
        app.MapGet("/", (StreamRegistry registry) => Results.Content(IndexPage(Describe(registry)), "text/html; charset=utf-8"));
        app.MapGet("/streams/{name}/status", (string name, StreamRegistry registry) =>
            Describe(registry).Find(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase)) is { } status
                ? Results.Json(new StreamsDocument([status with { Source = "" }]), StatusJsonContext.Default.StreamsDocument)
                : HttpErrors.NotFound($"no stream named '{name}'"));
    }

    public static List<StreamStatus> Describe(StreamRegistry registry) =>
        registry.Streams.OrderBy(s => s.Key, StringComparer.OrdinalIgnoreCase).Select(s =>
        {
            var hub = registry.Hub(s.Key);
            var current = hub?.Current;
            var tracks = current is null
                ? []
                : current.Header.Streams.Select(t => new StreamTrack(t.StreamNumber, t.Type.ToString().ToLowerInvariant(), t.CodecName,
                    current.BitrateOf(t.StreamNumber), current.UpstreamStreams.Contains(t.StreamNumber))).ToList();
            return new StreamStatus(
                s.Key,
                LogRedaction.Url(s.Value.Source),
                hub?.State.ToString().ToLowerInvariant() ?? "on-demand",
                s.Value.OnDemand,
                hub?.Protocol?.ToString().ToLowerInvariant(),
                hub?.ViewerCount ?? 0,
                hub?.Reconnects ?? 0,
                hub?.LastError,
                current?.UpstreamStreams.Numbers.ToList() ?? [],
                tracks,
                $"/streams/{s.Key}/",
                $"/streams/{s.Key}/live.asf",
                $"/streams/{s.Key}/index.m3u8",
                hub?.Adaptation);
        }).ToList();

    private static string IndexPage(IReadOnlyList<StreamStatus> streams)
    {
        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>MmsGateway</title>")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}table{border-collapse:collapse;width:100%}")
            .Append("td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left}code{font-size:.9em}</style></head><body>")
            .Append("<h1>MmsGateway</h1><p>Legacy <code>mms://</code> streams, playable again.</p>")
            .Append("<table><thead><tr><th>Stream</th><th>State</th><th>Source</th><th>Viewers</th><th>Play</th></tr></thead><tbody>");
        foreach (var s in streams)
        {
            var name = WebUtility.HtmlEncode(s.Name);
            html.Append("<tr><td><a href=\"").Append(WebUtility.HtmlEncode(s.Player)).Append("\">").Append(name).Append("</a></td>")
                .Append("<td>").Append(WebUtility.HtmlEncode(s.State)).Append(s.LastError is null ? "" : " – " + WebUtility.HtmlEncode(s.LastError)).Append("</td>")
                .Append("<td><code>").Append(WebUtility.HtmlEncode(s.Source)).Append("</code></td>")
                .Append("<td>").Append(s.Viewers).Append("</td>")
                .Append("<td><a href=\"").Append(WebUtility.HtmlEncode(s.Player)).Append("\">browser</a> · ")
                .Append("<a href=\"").Append(WebUtility.HtmlEncode(s.Asf)).Append("\">ASF (VLC, mpv, ffmpeg)</a> · ")
                .Append("<a href=\"").Append(WebUtility.HtmlEncode(s.Hls)).Append("\">HLS</a></td></tr>");
        }
        html.Append("</tbody></table><p><a href=\"/streams\">/streams</a> (JSON) · <a href=\"/metrics\">/metrics</a></p></body></html>");
        return html.ToString();
    }
}
