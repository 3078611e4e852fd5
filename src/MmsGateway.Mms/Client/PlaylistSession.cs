using Microsoft.Extensions.Logging;
using MmsGateway.Asf;
using MmsGateway.Mms.Playlists;

namespace MmsGateway.Mms.Client;

/// <summary>
/// A client-side playlist of several entries (ASX, docs/protocol/asx.md#s6.2) played as one session: when an entry ends, the
/// next one that connects takes over and <see cref="ReadAsync"/> reports <see cref="MmsReadResultKind.HeaderChanged"/>
/// (the same signal as a server-side playlist, docs/protocol/mmst.md#s1.5.11). An endless REPEAT starts again from its first entry; a
/// whole round in which nothing connects ends the stream.
/// </summary>
internal sealed partial class PlaylistSession : IMmsSession, IUpstreamLossReport
{
    private readonly Uri _url;
    private readonly IReadOnlyList<PlaylistEntry> _entries;
    private readonly MmsConnector.ConnectContext _context;
    private readonly int? _loopStart;
    private IMmsSession _current;
    private int _index;
    private UpstreamLossCounts _finishedLosses;

    public PlaylistSession(Uri url, IReadOnlyList<PlaylistEntry> entries, int index, IMmsSession current,
        MmsConnector.ConnectContext context)
    {
        _url = url;
        _entries = entries;
        _index = index;
        _current = current;
        _context = context;
        int loop = entries.ToList().FindIndex(e => e.RepeatsForever);
        _loopStart = loop >= 0 ? loop : null;
    }

    public MmsProtocol Protocol => _current.Protocol;

    public Uri Url => _current.Url;

    public AsfHeader Header => _current.Header;

    public ReadOnlyMemory<byte> HeaderBytes => _current.HeaderBytes;

    public bool IsBroadcast => _current.IsBroadcast;

    public AsfStreamSet SelectedStreams => _current.SelectedStreams;

    /// <summary>The losses of the entries played so far and of the one playing (none for entries over TCP).</summary>
    public UpstreamLossCounts LossCounts => _current is IUpstreamLossReport report ? Add(_finishedLosses, report.LossCounts) : _finishedLosses;

    private static UpstreamLossCounts Add(UpstreamLossCounts a, UpstreamLossCounts b) =>
        new(a.Recovered + b.Recovered, a.Lost + b.Lost, a.Torn + b.Torn);

    /// <summary>The playlist entry playing now (0-based).</summary>
    public int EntryIndex => _index;

    public async ValueTask<MmsReadResult> ReadAsync(CancellationToken cancellationToken)
    {
        MmsReadResult read = await _current.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (read.Kind != MmsReadResultKind.EndOfStream) return read;

        int next = _index + 1;
        if (next >= _entries.Count)
        {
            if (_loopStart is not { } loop) return read;
            next = loop;
        }

        IMmsSession? following = null;
        int connected = -1;
        try
        {
            (following, connected) = await MmsConnector.ConnectFromAsync(_url, _entries, next, _context, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (MmsClientException) when (_loopStart is { } loop && next > loop)
        {
            // Nothing after this entry connects: go round the loop once more from its start.
            try
            {
                (following, connected) = await MmsConnector.ConnectFromAsync(_url, _entries, loop, _context,
                    cancellationToken).ConfigureAwait(false);
            }
            catch (MmsClientException e)
            {
                LogNoNextEntry(_context.Logger, MmsUrl.Redact(_url), e.Message);
                return read;
            }
        }
        catch (MmsClientException e)
        {
            LogNoNextEntry(_context.Logger, MmsUrl.Redact(_url), e.Message);
            return read;
        }

        if (_current is IUpstreamLossReport finished) _finishedLosses = Add(_finishedLosses, finished.LossCounts);
        await _current.DisposeAsync().ConfigureAwait(false);
        _current = following;
        _index = connected;
        LogNextEntry(_context.Logger, MmsUrl.Redact(_url), connected + 1, _entries.Count);
        return MmsReadResult.HeaderChanged;
    }

    public ValueTask SelectStreamsAsync(IReadOnlyList<StreamSelection> selection, CancellationToken cancellationToken) =>
        _current.SelectStreamsAsync(selection, cancellationToken);

    public ValueTask SeekAsync(TimeSpan position, CancellationToken cancellationToken) =>
        _current.SeekAsync(position, cancellationToken);

    public ValueTask DisposeAsync() => _current.DisposeAsync();

    [LoggerMessage(Level = LogLevel.Information, Message = "Playlist {Url}: entry {Entry} of {Count} plays now")]
    private static partial void LogNextEntry(ILogger logger, Uri url, int entry, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Playlist {Url}: no later entry connects ({Reason}); end of stream")]
    private static partial void LogNoNextEntry(ILogger logger, Uri url, string reason);
}
