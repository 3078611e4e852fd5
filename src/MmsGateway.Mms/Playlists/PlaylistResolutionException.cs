namespace MmsGateway.Mms.Playlists;

/// <summary>
/// What <see cref="PlaylistResolver.ResolveAsync"/> throws when a playlist cannot be turned into entries: a
/// fetch failed, a fetched document is malformed (the <see cref="PlaylistFormatException"/> is the inner
/// exception), ENTRYREFs nest deeper than allowed or loop, or a cap is exceeded. The message, <see cref="Url"/>
/// and <see cref="Depth"/> name the document (depth 0 is the URL the caller asked for, 1 an ENTRYREF in it, ...).
/// Cancellation is not wrapped: it stays an <see cref="OperationCanceledException"/>.
/// </summary>
public sealed class PlaylistResolutionException : Exception
{
    public PlaylistResolutionException()
    {
    }

    public PlaylistResolutionException(string message)
        : base(message)
    {
    }

    public PlaylistResolutionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public PlaylistResolutionException(string message, Uri url, int depth, Exception? innerException = null)
        : base(message, innerException)
    {
        Url = url;
        Depth = depth;
    }

    /// <summary>The document being resolved when it failed; null only for the parameterless constructors.</summary>
    public Uri? Url { get; }

    /// <summary>ENTRYREF nesting level of <see cref="Url"/>: 0 for the URL the caller asked for.</summary>
    public int? Depth { get; }
}
