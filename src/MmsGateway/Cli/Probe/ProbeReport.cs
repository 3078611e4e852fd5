using System.Text.Json.Serialization;

namespace MmsGateway.Cli.Probe;

/// <summary>What <c>probe</c> prints with <c>--json</c>; the shape is documented in README.md ("probe JSON").</summary>
public sealed record ProbeReport
{
    public required string Source { get; init; }

    /// <summary>Upstream protocol that answered (<c>mmst</c>, <c>mmsh</c>, <c>mmsu</c>), or <c>file</c>.</summary>
    public required string Protocol { get; init; }

    public required bool Broadcast { get; init; }
    public double? DurationSeconds { get; init; }
    public required ulong PrerollMs { get; init; }
    public required int PacketSize { get; init; }
    public required long PacketCount { get; init; }
    public bool Truncated { get; init; }
    public required uint MaxBitrate { get; init; }
    public int IndexEntries { get; init; }
    public required ProbeDrm Drm { get; init; }
    public required IReadOnlyList<ProbeStream> Streams { get; init; }
    public required IReadOnlyList<ProbeExclusion> MutualExclusions { get; init; }
    public required IReadOnlyList<ProbeScriptCommand> ScriptCommands { get; init; }
    public ProbeTags? Tags { get; init; }

    /// <summary>For a URL: the URL that played (after redirects and playlists), without user-info.</summary>
    public string? Url { get; init; }

    /// <summary>For a URL: every connect attempt in order, the winning one last (docs/protocol/rollover.md#s8.3).</summary>
    public IReadOnlyList<ProbeAttempt>? Attempts { get; init; }
}

/// <summary>One protocol tried against one endpoint.</summary>
public sealed record ProbeAttempt
{
    /// <summary><c>mmst</c>, <c>mmsh</c>, <c>mmsu</c>, <c>multicast</c>.</summary>
    public required string Protocol { get; init; }

    public required string Url { get; init; }

    /// <summary><c>host:port</c> (or <c>group:port</c>).</summary>
    public required string Endpoint { get; init; }

    /// <summary><c>connected</c>, <c>failed</c>, <c>redirected</c>.</summary>
    public required string Outcome { get; init; }

    public required long ElapsedMs { get; init; }

    /// <summary>Failed attempts: the step (<c>connect</c>, <c>handshake</c>, <c>funnel</c>, <c>open file</c>, <c>header</c>, <c>describe</c>, <c>play</c>, ...).</summary>
    public string? Step { get; init; }

    /// <summary>Failed attempts: <c>unreachable</c>, <c>connection refused</c>, <c>timed out</c>, <c>not an MMS server</c>, <c>not found</c>, ...</summary>
    public string? Cause { get; init; }

    public string? Detail { get; init; }

    public string? RedirectedTo { get; init; }
}

public sealed record ProbeStream
{
    public required int Number { get; init; }

    /// <summary><c>audio</c>, <c>video</c>, <c>command</c>, <c>jfif</c>, <c>degradablejpeg</c>, <c>filetransfer</c>, <c>binary</c>, <c>unknown</c>.</summary>
    public required string Type { get; init; }

    public required string Codec { get; init; }
    public string? FourCc { get; init; }
    public ushort? FormatTag { get; init; }
    public uint? Width { get; init; }
    public uint? Height { get; init; }
    public uint? SampleRate { get; init; }
    public ushort? Channels { get; init; }
    public uint? Bitrate { get; init; }

    /// <summary>Where <see cref="Bitrate"/> came from: <c>stream-bitrate-properties</c>, <c>extended-stream-properties</c>, <c>audio-format</c>, <c>measured</c>.</summary>
    public string? BitrateSource { get; init; }

    public string? Name { get; init; }
    public bool Encrypted { get; init; }
    public bool Embedded { get; init; }
}

public sealed record ProbeExclusion(string Kind, IReadOnlyList<int> Streams, bool Advanced);

public sealed record ProbeScriptCommand(uint TimeMs, string Type, string Command);

public sealed record ProbeDrm(bool Protected, IReadOnlyList<string> Kinds, string? LicenseUrl);

public sealed record ProbeTags(string? Title, string? Author, string? Copyright, string? Description);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ProbeReport))]
internal sealed partial class ProbeJsonContext : JsonSerializerContext;
