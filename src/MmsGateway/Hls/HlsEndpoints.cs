using System.Globalization;
using System.Net;
using System.Reflection;
using MmsGateway.Http;
using MmsGateway.Outputs;
using MmsGateway.Security;
using MmsGateway.Streams;

namespace MmsGateway.Hls;

/// <summary>
/// HLS over HTTP (docs/design.md#http): the multivariant playlist <c>/streams/{name}/index.m3u8</c>, below it
/// <c>hls/{variant}/index.m3u8</c> (low-latency media playlists with blocking reload) and
/// <c>hls/{variant}/{epoch}/…</c> (init segments, segments, parts); the player page <c>/streams/{name}/</c>; and the
/// player's own files under <c>/player/</c>, bundled into the assembly at build time (no CDN).
/// </summary>
public static class HlsEndpoints
{
    private const string NoCache = "no-cache";
    private const string Immutable = "public, max-age=86400, immutable";

    public static void MapHlsEndpoints(this WebApplication app)
    {
        app.MapGet("/streams/{name}/index.m3u8", MultivariantAsync);
        app.MapGet("/streams/{name}/hls/{variant}/index.m3u8", MediaPlaylistAsync);
        app.MapGet("/streams/{name}/hls/{variant}/{epoch}/{file}", MediaFileAsync);
        app.MapGet("/streams/{name}", PlayerPage);
        app.MapGet("/player/{file}", PlayerAsset);
    }

    private static async Task MultivariantAsync(HttpContext http, string name, HlsService hls)
    {
        try
        {
            var variants = await hls.LadderAsync(name, http.RequestAborted).ConfigureAwait(false);
            // Once a rendition has produced its init segment, its real codec string replaces the estimate.
            var listed = variants.Select(v => hls.Find(name, v.Id)?.ActualCodecs is { } actual ? v with { Codecs = actual } : v).ToList();
            var first = hls.Find(name, variants[0].Id);
            if (first?.FatalError is not null)
            {
                hls.ReportFatal(first);
                throw new HlsUnavailableException(503, first.FatalError);
            }
            await WriteTextAsync(http, HlsPlaylists.Multivariant(listed)).ConfigureAwait(false);
        }
        catch (HlsUnavailableException e)
        {
            await WriteProblemAsync(http, e).ConfigureAwait(false);
        }
    }

    private static async Task MediaPlaylistAsync(HttpContext http, string name, string variant, HlsService hls)
    {
        var ct = http.RequestAborted;
        try
        {
            var rendition = await hls.GetOrStartAsync(name, variant, ct).ConfigureAwait(false)
                ?? throw new HlsUnavailableException(404, $"stream '{name}' has no HLS variant '{variant}'");
            using var waiting = rendition.Use();
            var segmenter = rendition.Segmenter;
            var target = TimeSpan.FromSeconds(3 * segmenter.Current.TargetDuration);
            HlsWindow window;
            var query = http.Request.Query;
            if (long.TryParse(query["_HLS_msn"], NumberStyles.None, CultureInfo.InvariantCulture, out var msn))
            {
                int? part = int.TryParse(query["_HLS_part"], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : null;
                var now = segmenter.Current;
                // A request too far ahead of the live edge is a client error (RFC 8216bis §6.2.5.2).
                if (msn > now.NextMsn + 2) throw new HlsUnavailableException(400, $"_HLS_msn={msn} is too far ahead of the live edge ({now.NextMsn})");
                window = await segmenter.WaitAsync(w => w.Satisfies(msn, part) || w.Error is not null && rendition.FatalError is not null, target, ct)
                    .ConfigureAwait(false);
                if (!window.Satisfies(msn, part))
                {
                    Fatal(hls, rendition);
                    throw new HlsUnavailableException(503, $"segment {msn}{(part is null ? "" : $" part {part}")} is not ready yet" +
                        (window.Error is null ? "" : $" ({window.Error})"));
                }
            }
            else
            {
                // A cold rendition: answer with the first playable playlist (one complete segment) rather than an empty one.
                window = await segmenter.WaitAsync(w => w.Segments.Count > 0 || rendition.FatalError is not null, hls.Options.StartTimeout, ct)
                    .ConfigureAwait(false);
                if (window.Segments.Count == 0)
                {
                    Fatal(hls, rendition);
                    throw new HlsUnavailableException(503, $"stream '{name}' has produced no segment yet" + (window.Error is null ? "" : $": {window.Error}"));
                }
            }
            rendition.Touch();
            await WriteTextAsync(http, HlsPlaylists.Media(window, rendition.Epoch)).ConfigureAwait(false);
        }
        catch (HlsUnavailableException e)
        {
            await WriteProblemAsync(http, e).ConfigureAwait(false);
        }
    }

    private static void Fatal(HlsService hls, HlsRendition rendition)
    {
        if (rendition.FatalError is null) return;
        hls.ReportFatal(rendition);
        throw new HlsUnavailableException(503, rendition.FatalError);
    }

    private static async Task MediaFileAsync(HttpContext http, string name, string variant, string epoch, string file, HlsService hls)
    {
        var ct = http.RequestAborted;
        var rendition = hls.Find(name, variant);
        if (rendition is null || rendition.Epoch != epoch)
        {
            await WriteProblemAsync(http, new HlsUnavailableException(404, $"'{file}' is not (or no longer) part of stream '{name}'")).ConfigureAwait(false);
            return;
        }
        using var waiting = rendition.Use();
        var segmenter = rendition.Segmenter;
        var wait = TimeSpan.FromSeconds(3 * segmenter.Current.TargetDuration);
        byte[]? data = null;
        if (file.StartsWith("init", StringComparison.Ordinal) && file.EndsWith(".mp4", StringComparison.Ordinal)
            && int.TryParse(file.AsSpan(4, file.Length - 8), NumberStyles.None, CultureInfo.InvariantCulture, out var generation))
        {
            data = segmenter.Current.FindInit(generation)?.Data;
        }
        else if (file.EndsWith(".m4s", StringComparison.Ordinal))
        {
            var stem = file.AsSpan(0, file.Length - 4);
            var dot = stem.IndexOf('.');
            if (dot < 0 && long.TryParse(stem, NumberStyles.None, CultureInfo.InvariantCulture, out var msn))
            {
                // A segment still being built (or the next one) is sent once it is complete.
                var now = segmenter.Current;
                var window = msn >= now.NextMsn - 1 && msn <= now.NextMsn
                    ? await segmenter.WaitAsync(w => w.Find(msn) is { Complete: true } || w.Ended || w.NextMsn > msn + 1, wait, ct).ConfigureAwait(false)
                    : now;
                data = window.Find(msn) is { Complete: true } segment ? segment.Data : null;
            }
            else if (dot > 0 && long.TryParse(stem[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out msn)
                     && int.TryParse(stem[(dot + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var part))
            {
                // Blocking preload: the hinted next part is sent as soon as it exists.
                var now = segmenter.Current;
                var (nextMsn, nextPart) = now.NextPart;
                var window = now.Find(msn) is { } s && s.Parts.Count > part ? now
                    : msn == nextMsn && part <= nextPart + 1 || msn == nextMsn + 1 && part == 0
                        ? await segmenter.WaitAsync(w => PartOf(w, msn, part) is not null || w.Ended || w.Find(msn) is { Complete: true }
                                                        || w.NextMsn > msn + 1, wait, ct).ConfigureAwait(false)
                        : now;
                data = PartOf(window, msn, part);
            }
        }
        if (data is null)
        {
            await WriteProblemAsync(http, new HlsUnavailableException(404, $"'{file}' is not (or no longer) part of stream '{name}'")).ConfigureAwait(false);
            return;
        }
        rendition.Touch();
        http.Response.ContentType = rendition.Variant.ContentType;
        http.Response.Headers.CacheControl = Immutable;
        http.Response.ContentLength = data.Length;
        await http.Response.Body.WriteAsync(data, ct).ConfigureAwait(false);
    }

    private static byte[]? PartOf(HlsWindow window, long msn, int part) =>
        window.Find(msn) is { } s && part < s.Parts.Count ? s.Parts[part].Data : null;

    private static async Task WriteTextAsync(HttpContext http, string text)
    {
        http.Response.ContentType = HlsPlaylists.ContentType;
        http.Response.Headers.CacheControl = NoCache;
        // Signed viewer URLs: the listed URLs carry the request's token (Security/SignedPlaylist.cs).
        await http.Response.WriteAsync(SignedPlaylist.Carry(text, SecurityMiddleware.ViewerToken(http)), http.RequestAborted).ConfigureAwait(false);
    }

    private static async Task WriteProblemAsync(HttpContext http, HlsUnavailableException problem)
    {
        if (http.Response.HasStarted) return;
        await http.Response.WriteErrorAsync(problem.StatusCode, problem.Message, http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary><c>/streams/{name}/</c>: the player page; without the trailing slash, a redirect to it (relative URLs).</summary>
    private static IResult PlayerPage(HttpContext http, string name, StreamRegistry registry)
    {
        if (!registry.Streams.ContainsKey(name)) return HttpErrors.NotFound($"no stream named '{name}'");
        // The query goes along: it may hold the signed URL's token (and ?engine=).
        if (!http.Request.Path.Value!.EndsWith('/')) return Results.Redirect($"/streams/{Uri.EscapeDataString(name)}/{http.Request.QueryString}");
        var page = PlayerAssets.Text("player.html")!.Replace("{{name}}", WebUtility.HtmlEncode(name), StringComparison.Ordinal);
        http.Response.Headers.CacheControl = NoCache;
        return Results.Content(page, "text/html; charset=utf-8");
    }

    private static IResult PlayerAsset(HttpContext http, string file)
    {
        if (PlayerAssets.Bytes(file) is not { } bytes) return HttpErrors.NotFound($"no player file '{file}'");
        var type = Path.GetExtension(file) switch
        {
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".html" => "text/html; charset=utf-8",
            _ => "text/plain; charset=utf-8",
        };
        http.Response.Headers.CacheControl = "public, max-age=300";
        return Results.Bytes(bytes, type);
    }
}

/// <summary>The player's files (wwwroot/, with hls.js copied from npm at build time), embedded in the assembly.</summary>
internal static class PlayerAssets
{
    private static readonly Assembly Assembly = typeof(PlayerAssets).Assembly;
    private static readonly Dictionary<string, byte[]> Cache = new(StringComparer.Ordinal);

    public static byte[]? Bytes(string file)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(file, out var cached)) return cached;
            using var stream = file.Contains('/', StringComparison.Ordinal) || file.Contains('\\', StringComparison.Ordinal)
                ? null
                : Assembly.GetManifestResourceStream("wwwroot/" + file);
            byte[]? bytes = null;
            if (stream is not null)
            {
                bytes = new byte[stream.Length];
                stream.ReadExactly(bytes);
            }
            if (bytes is not null) Cache[file] = bytes;
            return bytes;
        }
    }

    public static string? Text(string file) => Bytes(file) is { } bytes ? System.Text.Encoding.UTF8.GetString(bytes) : null;
}
