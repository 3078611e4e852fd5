using System.Buffers;
using System.Text;
using MmsGateway.Asf;
using MmsGateway.Asf.Selection;
using MmsGateway.Mms.Mmsh;

namespace MmsGateway.Outputs;

/// <summary>An MS-WMSP request recognised on a gateway URL (User-Agent NSPlayer, NSServer or WMCacheProxy).</summary>
internal sealed class WmspRequest(MmshRequest request)
{
    public MmshRequestKind Kind => request.Kind;
    public uint? ClientId => request.ClientId;
    public uint? StreamTimeMs => request.StreamTimeMs;

    /// <summary>Parses the request the way the origin does, by re-reading its head with the MMSH codec.</summary>
    public static WmspRequest? From(HttpRequest http)
    {
        var agent = http.Headers.UserAgent.ToString();
        if (!(agent.StartsWith("NSPlayer/", StringComparison.OrdinalIgnoreCase) || agent.StartsWith("NSServer/", StringComparison.OrdinalIgnoreCase)
              || agent.StartsWith("WMCacheProxy/", StringComparison.OrdinalIgnoreCase))) return null;
        // The head is laid out again in a pooled buffer (Latin-1, as it came): the codec copies what it keeps into strings.
        var target = http.Path.ToString() + http.QueryString.ToString();
        var length = http.Method.Length + target.Length + 13; // ' ', " HTTP/1.1\r\n", the closing "\r\n"
        foreach (var (key, values) in http.Headers)
            foreach (var value in values)
                length += key.Length + (value?.Length ?? 0) + 4;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var written = 0;
            void Append(string? text) => written += Encoding.Latin1.GetBytes(text ?? "", buffer.AsSpan(written));
            Append(http.Method);
            Append(" ");
            Append(target);
            Append(" HTTP/1.1\r\n");
            foreach (var (key, values) in http.Headers)
            {
                foreach (var value in values)
                {
                    Append(key);
                    Append(": ");
                    Append(value);
                    Append("\r\n");
                }
            }
            Append("\r\n");
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(buffer, 0, written));
            return MmshRequest.TryParse(ref reader, out var request) ? new WmspRequest(request) : null;
        }
        catch (Mms.MmsProtocolException)
        {
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The streams named by <c>stream-switch-entry</c> (levels 0/1 as on; no entries: <paramref name="fallback"/>).</summary>
    public AsfStreamSet Selection(AsfHeader header, AsfStreamSet fallback)
    {
        var existing = fallback.Numbers.ToHashSet();
        var entries = request.GetStreamSwitchEntries(existing);
        if (entries.Count == 0) return fallback;
        var selection = new AsfStreamSelection(header);
        selection.Select(entries.Select(e => ((int)e.Source, (int)e.Destination, (ThinningLevel)Math.Min((int)e.ThinningLevel, 2))), unlistedOff: true);
        var chosen = selection.Delivered.Intersect(fallback);
        return chosen.IsEmpty ? fallback : chosen;
    }
}
