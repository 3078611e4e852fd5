using System.Text;
using MmsGateway.Mms.Playlists;

namespace MmsGateway.Mms.Tests.Playlists;

/// <summary>A fetch delegate over a dictionary, counting fetches; unknown URLs fail like a 404.</summary>
internal sealed class InMemoryWeb
{
    private readonly Dictionary<string, (byte[] Body, string? ContentType, Uri? RedirectedTo)> _documents = new(StringComparer.Ordinal);

    public List<Uri> Fetched { get; } = [];

    public InMemoryWeb Add(string url, string body, string? contentType = null) => Add(url, Encoding.UTF8.GetBytes(body), contentType);

    public InMemoryWeb Add(string url, byte[] body, string? contentType = null)
    {
        _documents[new Uri(url).AbsoluteUri] = (body, contentType, null);
        return this;
    }

    public InMemoryWeb Redirect(string url, string target, string body)
    {
        _documents[new Uri(url).AbsoluteUri] = (Encoding.UTF8.GetBytes(body), null, new Uri(target));
        return this;
    }

    public Task<PlaylistDocument> Fetch(Uri url, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Fetched.Add(url);
        if (!_documents.TryGetValue(url.AbsoluteUri, out var document))
        {
            throw new HttpRequestException($"404 Not Found: {url}");
        }

        return Task.FromResult(new PlaylistDocument(document.RedirectedTo ?? url, document.Body, document.ContentType));
    }
}
