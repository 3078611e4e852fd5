using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MmsGateway.Asf;
using MmsGateway.Cli.Probe;

namespace MmsGateway.Cli;

/// <summary><c>probe URL-or-FILE [--json]</c>: what a stream or file carries.</summary>
internal static class ProbeCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("source") { Description = "An ASF file path (mms:// URLs arrive with the MMS client)." };
        var json = new Option<bool>("--json") { Description = "Print JSON (shape documented in README.md)." };
        var command = new Command("probe", "Show the streams, codecs, bitrates and layout of an ASF file.") { target, json };
        command.SetAction(parse =>
        {
            var source = parse.GetValue(target)!;
            try
            {
                var report = FileProber.Probe(source);
                Console.Out.Write(parse.GetValue(json) ? JsonSerializer.Serialize(report, ProbeJsonContext.Default.ProbeReport) + "\n" : FormatText(report));
                return 0;
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
