namespace MmsGateway.Mms.Playlists;

/// <summary>
/// What the fetch delegate of <see cref="PlaylistResolver"/> returns for a URL: the body (or its first bytes, at
/// least <see cref="PlaylistSniffer.PrefixLength"/> when there are that many; whole metafiles up to 1 MiB), the
/// Content-Type, and the URL the body really came from after redirects, which becomes the base for its relative
/// HREFs. A stream that never ends (ASF over HTTP, MMSH) must be cut short by the fetcher, not read to the end.
/// </summary>
/// <param name="Url">The absolute URL the content came from (after redirects).</param>
/// <param name="Content">The body, or its first bytes for media.</param>
/// <param name="ContentType">The Content-Type header, or null.</param>
public sealed record PlaylistDocument(Uri Url, ReadOnlyMemory<byte> Content, string? ContentType = null);
