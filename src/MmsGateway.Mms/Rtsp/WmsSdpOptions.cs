namespace MmsGateway.Mms.Rtsp;

/// <summary>What <see cref="WmsSdpWriter"/> describes.</summary>
public sealed record WmsSdpOptions
{
    /// <summary>ASF header bytes: the Header Object, optionally followed by anything (a Data Object start, packets), which is ignored.</summary>
    public required ReadOnlyMemory<byte> AsfHeader { get; init; }

    /// <summary>Session <c>a=control</c>: the absolute aggregate URL (WMS writes it with a trailing <c>/</c>).</summary>
    public required string ControlUrl { get; init; }

    /// <summary>Live (no range end) or on demand; null = from the File Properties broadcast flag.</summary>
    public bool? Live { get; init; }

    /// <summary>ASF stream numbers to describe; null = every audio and video stream.</summary>
    public IReadOnlySet<int>? Streams { get; init; }

    /// <summary>Session id and version of the <c>o=</c> line.</summary>
    public string SessionId { get; init; } = "0";

    /// <summary>Address of the <c>o=</c> line.</summary>
    public string Address { get; init; } = "127.0.0.1";

    /// <summary>Largest header blob accepted (docs/protocol/rtsp.md#s0.3); larger throws.</summary>
    public int MaxHeaderBlobBytes { get; init; } = WmsSdpWriter.FfmpegMaxHeaderBlobBytes;

    /// <summary>When the blob is too large, first drop what players do not need (<see cref="WmsSdpWriter.CompactHeader"/>); only then throw.</summary>
    public bool CompactLargeHeaders { get; init; } = true;
}
