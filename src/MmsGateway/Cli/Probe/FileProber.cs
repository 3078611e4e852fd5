using MmsGateway.Asf;
using MmsGateway.Asf.Objects;
using MmsGateway.Asf.Files;

namespace MmsGateway.Cli.Probe;

/// <summary>Describes an ASF file: its header, plus bitrates measured from the packets where the header has none.</summary>
public static class FileProber
{
    /// <summary>Files are scanned whole to measure bitrates; cap the scan so a huge archive still answers quickly.</summary>
    private const long MaxPacketsScanned = 200_000;

    public static ProbeReport Probe(string path)
    {
        using var file = AsfFile.Open(path);
        var header = file.Header;
        var stats = new AsfStreamStatistics(file.PacketSize);
        var buffer = new byte[file.PacketSize];
        var scanned = Math.Min(file.PacketCount, MaxPacketsScanned);
        for (long i = 0; i < scanned; i++)
        {
            file.ReadPacket(i, buffer);
            stats.Add(buffer);
        }
        var durationMs = header.FileProperties.Duration is { } d && scanned == file.PacketCount ? (long)d.TotalMilliseconds : stats.SpanMs;
        return Describe(header, path, "file", file.PacketCount, file.IsTruncated, file.SimpleIndex?.Entries.Count ?? 0, stats, durationMs);
    }

    public static ProbeReport Describe(
        AsfHeader header, string source, string protocol, long packetCount, bool truncated, int indexEntries,
        AsfStreamStatistics? stats, long durationMs)
    {
        var fp = header.FileProperties;
        var streams = header.Streams.Select(s =>
        {
            var declared = header.DeclaredBitrate(s.StreamNumber);
            var measured = declared is null ? stats?.MeasuredBitrate(s.StreamNumber, durationMs) : null;
            var ext = header.FindExtendedStream(s.StreamNumber);
            return new ProbeStream
            {
                Number = s.StreamNumber,
                Type = s.Type.ToString().ToLowerInvariant(),
                Codec = s.CodecName,
                FourCc = s.Video?.FourCcText,
                FormatTag = s.Audio?.FormatTag,
                Width = s.Video?.Width,
                Height = s.Video?.Height,
                SampleRate = s.Audio?.SamplesPerSecond,
                Channels = s.Audio?.Channels,
                Bitrate = declared?.Bitrate ?? measured,
                BitrateSource = declared is { } dec ? SourceName(dec.Source) : measured is null ? null : SourceName(BitrateSource.Measured),
                Name = ext?.Names.FirstOrDefault()?.Name,
                Encrypted = s.IsEncrypted,
                Embedded = s.IsEmbedded,
            };
        }).ToList();

        var kinds = Enum.GetValues<AsfProtection>()
            .Where(p => p != AsfProtection.None && header.Protection.HasFlag(p))
            .Select(p => p.ToString())
            .ToList();

        return new ProbeReport
        {
            Source = source,
            Protocol = protocol,
            Broadcast = fp.IsBroadcast,
            DurationSeconds = fp.Duration?.TotalSeconds,
            PrerollMs = fp.PrerollMs,
            PacketSize = fp.PacketSize,
            PacketCount = packetCount,
            Truncated = truncated,
            MaxBitrate = fp.MaximumBitrate,
            IndexEntries = indexEntries,
            Drm = new ProbeDrm(kinds.Count > 0, kinds, header.ContentEncryption?.LicenseUrl),
            Streams = streams,
            MutualExclusions = header.MutualExclusions
                .Select(m => new ProbeExclusion(m.Kind.ToString().ToLowerInvariant(), m.StreamNumbers, m.IsAdvanced)).ToList(),
            ScriptCommands = header.ScriptCommands.Select(c => new ProbeScriptCommand(c.PresentationTimeMs, c.Type, c.Command)).ToList(),
            Tags = header.ContentDescription is { } cd
                ? new ProbeTags(NullIfEmpty(cd.Title), NullIfEmpty(cd.Author), NullIfEmpty(cd.Copyright), NullIfEmpty(cd.Description))
                : null,
        };
    }

    private static string SourceName(BitrateSource source) => source switch
    {
        BitrateSource.StreamBitrateProperties => "stream-bitrate-properties",
        BitrateSource.ExtendedStreamProperties => "extended-stream-properties",
        BitrateSource.AudioFormat => "audio-format",
        _ => "measured",
    };

    private static string? NullIfEmpty(string s) => string.IsNullOrEmpty(s) ? null : s;
}
