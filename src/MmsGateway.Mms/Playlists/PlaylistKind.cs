namespace MmsGateway.Mms.Playlists;

/// <summary>What a fetched resource is (docs/protocol/asx.md#s6.1).</summary>
public enum PlaylistKind
{
    /// <summary>None of the below: neither a known signature nor a usable hint.</summary>
    Unknown,

    /// <summary>Real ASF media (Header Object GUID first): the URL is itself the stream.</summary>
    Asf,

    /// <summary>An ASX metafile (.asx, .wax, .wvx): <c>&lt;ASX</c> at the start.</summary>
    Asx,

    /// <summary>A <c>[Reference]</c> redirector, what WMS answers to a non-player HTTP client (docs/protocol/asx.md#s6.3).</summary>
    Reference,

    /// <summary>An NSC multicast station file: <c>[Address]</c> at the start (docs/protocol/nsc.md#s7.1).</summary>
    Nsc,

    /// <summary>The very old one-line redirector <c>ASF http://...</c>.</summary>
    AsfRedirector,
}
