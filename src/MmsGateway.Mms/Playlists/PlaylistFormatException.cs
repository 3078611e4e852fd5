namespace MmsGateway.Mms.Playlists;

/// <summary>
/// The one exception the playlist, station-file and MSB parsers throw for malformed input: a missing
/// <c>&lt;ASX&gt;</c> or <c>[Reference]</c> line, an NSC encoded block with a bad CRC or a length that overruns, a
/// truncated MSB datagram, input over the size or count caps. Real-world leniency (docs/protocol/asx.md#s6.2) is not an
/// error: only what cannot be understood at all is. The message says what and, for text, on which line.
/// </summary>
public sealed class PlaylistFormatException : Exception
{
    public PlaylistFormatException()
    {
    }

    public PlaylistFormatException(string message)
        : base(message)
    {
    }

    public PlaylistFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
