namespace MmsGateway.Mms.Playlists;

/// <summary>
/// A <c>[Reference]</c> redirector or a one-line <c>ASF</c> redirector (docs/protocol/asx.md#s6.3): one clip whose
/// <see cref="Refs"/> are rollover alternatives, tried in order until one connects.
/// </summary>
public sealed record ReferenceFile(IReadOnlyList<ReferenceEntry> Refs);

/// <summary>
/// One <c>RefN=URL</c> line. The URL is kept as written (made absolute); <see cref="TryAsMmsh"/> says that an
/// http:// URL is to be opened as MMSH, which is how vlc and totem read these files (they rewrite http:// to
/// mmsh://; we flag rather than rewrite, so the URL stays the one the server gave).
/// </summary>
/// <param name="Number">N of RefN; 0 for the one-line <c>ASF</c> form.</param>
/// <param name="Url">The absolute URL.</param>
public sealed record ReferenceEntry(int Number, Uri Url)
{
    public bool TryAsMmsh => Url.Scheme == Uri.UriSchemeHttp;
}
