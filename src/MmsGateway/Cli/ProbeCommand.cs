using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MmsGateway.Asf;
using MmsGateway.Cli.Probe;
using MmsGateway.Mms.Client;

namespace MmsGateway.Cli;

/// <summary>
/// <c>probe URL-or-FILE [--json]</c>: what a stream or file carries. For a URL (mms, mmst, mmsu, mmsh, http, a
/// playlist): the protocol that won the rollover and every failed attempt, streams, bitrates (declared, else measured
/// over about 3 s of packets), mutual exclusion, broadcast or on-demand, duration.
/// </summary>
internal static class ProbeCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("source") { Description = "An mms://, mmst://, mmsu://, mmsh://, rtsp://, rtspt://, rtspu:// or http:// URL, a playlist (.asx, .wax, .nsc), or an ASF file." };
        var json = new Option<bool>("--json") { Description = "Print JSON (shape documented in README.md)." };
        var timeout = new Option<double>("--timeout") { Description = "Deadline in seconds of every connect, handshake step and read.", DefaultValueFactory = _ => 10 };
        var protocols = new Option<string?>("--protocols") { Description = "Rollover order for mms:// URLs, e.g. rtspu,rtspt,mmst,mmsh (default rtspt,mmst,mmsh)." };
        var command = new Command("probe", "Show the protocol, streams, codecs, bitrates and layout of a stream or an ASF file.")
        {
            target, json, timeout, protocols,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var source = parse.GetValue(target)!;
            try
            {
                ProbeReport report;
                if (SourceArguments.TryGetUrl(source, out var url))
                {
                    var options = SourceArguments.ClientOptions(parse.GetValue(timeout), parse.GetValue(protocols));
                    report = await StreamProber.ProbeAsync(url, options, null, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    report = FileProber.Probe(source);
                }

                Console.Out.Write(parse.GetValue(json) ? JsonSerializer.Serialize(report, ProbeJsonContext.Default.ProbeReport) + "\n" : FormatText(report));
                return 0;
            }
            catch (MmsClientException e)
            {
                // The message names the URL, the step and the cause, and lists every attempt on one line.
                Console.Error.WriteLine($"probe: {e.Message}");
                return 1;
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"probe: {e.Message}");
                return 2;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine($"probe: {source}: interrupted");
                return 130;
            }
            catch (Exception e) when (e is AsfFormatException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"probe: {source}: {OneLine(e)}");
                return 1;
            }
        });
        return command;
    }

    private static string OneLine(Exception e) => e switch
    {
        FileNotFoundException => "no such file",
        DirectoryNotFoundException => "no such directory",
        _ => e.Message.ReplaceLineEndings(" "),
    };

    internal static string FormatText(ProbeReport r)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(c, $"source:      {r.Source} ({r.Protocol})");
        if (r.Url is { } played && played != r.Source) sb.AppendLine(c, $"playing:     {played}");
        foreach (var a in r.Attempts ?? [])
        {
            sb.AppendLine(a.Outcome switch
            {
                "connected" => $"attempt:     {a.Protocol} {a.Endpoint}: connected in {a.ElapsedMs} ms",
                "redirected" => $"attempt:     {a.Protocol} {a.Endpoint}: redirected to {a.RedirectedTo}",
                _ => $"attempt:     {a.Protocol} {a.Endpoint}: {a.Cause} at {a.Step} after {a.ElapsedMs} ms ({a.Detail})",
            });
        }
        sb.AppendLine(c, $"kind:        {(r.Broadcast ? "broadcast (live)" : "on demand")}");
        sb.AppendLine(c, $"duration:    {(r.DurationSeconds is { } d ? d.ToString("0.000", c) + " s" : "unknown")}, preroll {r.PrerollMs} ms");
        sb.AppendLine(c, $"packets:     {r.PacketCount} x {r.PacketSize} bytes{(r.Truncated ? " (file truncated)" : "")}, index entries {r.IndexEntries}");
        sb.AppendLine(c, $"max bitrate: {r.MaxBitrate} bps");
        sb.AppendLine(c, $"drm:         {(r.Drm.Protected ? string.Join(", ", r.Drm.Kinds) : "none")}");
        foreach (var s in r.Streams)
        {
            var detail = s.Type switch
            {
                "video" => $"{s.Width}x{s.Height}",
                "audio" => $"{s.SampleRate} Hz, {s.Channels} ch",
                _ => "",
            };
            var bitrate = s.Bitrate is { } b ? $"{b} bps ({s.BitrateSource})" : "bitrate unknown";
            sb.AppendLine(c, $"stream {s.Number,3}: {s.Type} {s.Codec} {detail}, {bitrate}{(s.Encrypted ? ", encrypted" : "")}");
        }
        foreach (var m in r.MutualExclusions)
            sb.AppendLine(c, $"exclusive:   {m.Kind} {{{string.Join(", ", m.Streams)}}}");
        foreach (var cmd in r.ScriptCommands)
            sb.AppendLine(c, $"script:      {cmd.TimeMs} ms {cmd.Type}: {cmd.Command}");
        return sb.ToString();
    }
}
