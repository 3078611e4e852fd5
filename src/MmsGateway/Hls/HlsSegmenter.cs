using MmsGateway.Hls.Fmp4;

namespace MmsGateway.Hls;

/// <summary>An init segment as served (<c>EXT-X-MAP</c>): one per ffmpeg run of a rendition.</summary>
public sealed record HlsInit(int Generation, Fmp4Init Mp4)
{
    public byte[] Data => Mp4.Data;
}

/// <summary>A partial segment: one fMP4 fragment (moof + mdat).</summary>
public sealed record HlsPart(int Index, byte[] Data, double Duration, bool Independent);

/// <summary>
/// A media segment: parts cut from one key frame to the next key frame near the target duration. While it is
/// still growing (<see cref="Complete"/> false) only its parts are listed; once complete its bytes are the parts
/// joined.
/// </summary>
public sealed record HlsSegment(long Msn, HlsInit Init, bool Discontinuity, IReadOnlyList<HlsPart> Parts, double Duration, bool Complete, byte[]? Data)
{
    public int Bytes => Data?.Length ?? Parts.Sum(p => p.Data.Length);
}

/// <summary>
/// An immutable view of a rendition's sliding window: the complete segments in order, the segment being built, and
/// what the playlist header needs. Each change publishes a new one; HTTP readers never lock.
/// </summary>
public sealed record HlsWindow(
    IReadOnlyList<HlsSegment> Segments, HlsSegment? Open, long NextMsn, long DiscontinuitySequence, int TargetDuration, double PartTarget,
    string? Error, bool Ended)
{
    public static readonly HlsWindow Empty = new([], null, 0, 0, 1, 0.25, null, false);

    /// <summary>Msn of the newest complete segment, or -1.</summary>
    public long LastCompleteMsn => Segments.Count == 0 ? -1 : Segments[^1].Msn;

    public HlsSegment? Find(long msn)
    {
        if (Open is { } open && open.Msn == msn) return open;
        if (Segments.Count == 0 || msn < Segments[0].Msn || msn > Segments[^1].Msn) return null;
        return Segments[(int)(msn - Segments[0].Msn)];
    }

    public HlsInit? FindInit(int generation)
    {
        if (Open?.Init.Generation == generation) return Open.Init;
        for (var i = Segments.Count - 1; i >= 0; i--)
            if (Segments[i].Init.Generation == generation) return Segments[i].Init;
        return null;
    }

    /// <summary>The part a client would load next (<c>EXT-X-PRELOAD-HINT</c>).</summary>
    public (long Msn, int Part) NextPart => Open is { } open ? (open.Msn, open.Parts.Count) : (NextMsn, 0);

    /// <summary>
    /// True when this window satisfies a blocking playlist request (<c>_HLS_msn</c>, <c>_HLS_part</c>): segment
    /// <paramref name="msn"/> is complete, or (with a part) that part of it, or anything later, is listed.
    /// </summary>
    public bool Satisfies(long msn, int? part)
    {
        if (part is null) return LastCompleteMsn >= msn;
        if (LastCompleteMsn >= msn) return true;
        return Open is { } open && (open.Msn > msn || (open.Msn == msn && open.Parts.Count > part.Value));
    }
}

public sealed record HlsSegmenterSettings(double TargetDuration, double PartTarget, int WindowSegments)
{
    /// <summary>A segment is cut at the first key frame once it is this long (a share of the target).</summary>
    public double CutAt => TargetDuration * 0.8;

    /// <summary>
    /// The first segment of an ffmpeg run may be cut sooner, about one part long (the encoder puts a key frame there),
    /// so a cold stream becomes playable sooner.
    /// </summary>
    public double FirstCutAt => Math.Min(TargetDuration * 0.4, PartTarget * 0.8);
}

/// <summary>
/// Cuts an fMP4 fragment stream into HLS segments and parts, in memory (no temporary files). Each fragment is one
/// part; a segment ends at the first fragment that starts with a key frame once the segment is close to the target
/// duration; segments older than the window are dropped. A new init segment (ffmpeg restarted) or an explicit mark
/// (upstream reconnected) makes the next segment a discontinuity. One writer (the rendition's reader loop), any
/// number of readers, who wait for changes with <see cref="WaitAsync"/>.
/// </summary>
public sealed class HlsSegmenter
{
    private readonly HlsSegmenterSettings settings;
    private readonly Lock _gate = new();
    private HlsWindow _window;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private HlsInit? _init;
    private int _generation;
    private bool _pendingDiscontinuity;
    private readonly List<HlsPart> _openParts = [];
    private long _openMsn = -1;
    private bool _openDiscontinuity;
    private double _openDuration;
    private int _segmentsInGeneration;

    /// <summary>
    /// A segmenter whose first segment gets media sequence <paramref name="firstMsn"/>: a rendition started again
    /// for the same variant continues the numbering of the one before (behind a discontinuity), so a player that
    /// comes back never sees the sequence go backwards.
    /// </summary>
    public HlsSegmenter(HlsSegmenterSettings settings, long firstMsn = 0, long discontinuitySequence = 0)
    {
        this.settings = settings;
        _window = HlsWindow.Empty with
        {
            TargetDuration = Math.Max(1, (int)Math.Round(settings.TargetDuration)), PartTarget = settings.PartTarget, NextMsn = firstMsn,
            DiscontinuitySequence = discontinuitySequence,
        };
        _pendingDiscontinuity = firstMsn > 0;
    }

    public HlsSegmenterSettings Settings => settings;

    public HlsWindow Current => Volatile.Read(ref _window);

    /// <summary>Completes with the next published change.</summary>
    public Task Changed
    {
        get
        {
            lock (_gate) return _changed.Task;
        }
    }

    /// <summary>A new ffmpeg run began with this init segment; what follows is a discontinuity (unless nothing came before).</summary>
    public HlsInit StartInit(Fmp4Init init)
    {
        lock (_gate)
        {
            CloseOpenSegment();
            if (_init is not null || _window.Segments.Count > 0 || _window.NextMsn > 0) _pendingDiscontinuity = true;
            _init = new HlsInit(++_generation, init);
            _segmentsInGeneration = 0;
            Publish(_window with { Error = null, Ended = false });
            return _init;
        }
    }

    /// <summary>The next segment starts a discontinuity (the upstream reconnected).</summary>
    public void MarkDiscontinuity()
    {
        lock (_gate)
        {
            if (_openMsn >= 0 || _window.Segments.Count > 0) _pendingDiscontinuity = true;
        }
    }

    /// <summary>Adds one fragment; returns the segment it completed, if it completed one.</summary>
    public HlsSegment? Append(Fmp4Fragment fragment)
    {
        lock (_gate)
        {
            if (_init is null) throw new InvalidOperationException("a fragment came before its init segment");
            var (duration, independent) = Describe(fragment, _init.Mp4);
            HlsSegment? completed = null;
            var cutAt = _segmentsInGeneration == 0 ? settings.FirstCutAt : settings.CutAt;
            if (_openMsn >= 0 && independent && (_openDuration >= cutAt || _pendingDiscontinuity))
                completed = CloseOpenSegment();
            if (_openMsn < 0)
            {
                // A segment starts only with a key frame; what comes before the first one cannot be decoded alone.
                if (!independent)
                {
                    Publish(_window);
                    return completed;
                }
                _openMsn = _window.NextMsn;
                _openDiscontinuity = _pendingDiscontinuity;
                _pendingDiscontinuity = false;
                _openDuration = 0;
            }
            _openParts.Add(new HlsPart(_openParts.Count, fragment.Data, duration, independent));
            _openDuration += duration;
            var partTarget = Math.Max(_window.PartTarget, Math.Ceiling(duration * 1000) / 1000);
            var open = new HlsSegment(_openMsn, _init, _openDiscontinuity, _openParts.ToArray(), _openDuration, false, null);
            Publish(_window with { Open = open, NextMsn = _openMsn + 1, PartTarget = partTarget });
            return completed;
        }
    }

    /// <summary>The fragment stream ended (ffmpeg exited): the segment being built is closed as it is.</summary>
    public HlsSegment? EndOfStream(string? error)
    {
        lock (_gate)
        {
            var completed = CloseOpenSegment();
            Publish(_window with { Error = error, Ended = true });
            return completed;
        }
    }

    /// <summary>Reports a problem to waiting readers without ending the window (e.g. ffmpeg could not start).</summary>
    public void Fail(string error)
    {
        lock (_gate) Publish(_window with { Error = error });
    }

    /// <summary>Waits until <paramref name="condition"/> holds for the current window, or <paramref name="timeout"/> passes.</summary>
    public async Task<HlsWindow> WaitAsync(Func<HlsWindow, bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            Task changed;
            HlsWindow window;
            lock (_gate)
            {
                window = _window;
                changed = _changed.Task;
            }
            if (condition(window)) return window;
            try
            {
                await changed.WaitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return Current;
            }
        }
    }

    private (double Duration, bool Independent) Describe(Fmp4Fragment fragment, Fmp4Init init)
    {
        var video = init.Video;
        var reference = video ?? init.Audio;
        double duration = 0;
        if (reference is not null && fragment.Track(reference.TrackId) is { } t && reference.Timescale > 0)
        {
            duration = (double)t.Duration / reference.Timescale;
        }
        else
        {
            foreach (var track in fragment.Tracks)
            {
                var scale = init.Find(track.TrackId)?.Timescale ?? 0;
                if (scale > 0) duration = Math.Max(duration, (double)track.Duration / scale);
            }
        }
        var independent = video is null
            ? fragment.Tracks.Count > 0
            : fragment.Track(video.TrackId) is { SampleCount: > 0 } v && v.StartsWithSync;
        return (duration, independent);
    }

    private HlsSegment? CloseOpenSegment()
    {
        if (_openMsn < 0) return null;
        var parts = _openParts.ToArray();
        var data = new byte[parts.Sum(p => p.Data.Length)];
        var offset = 0;
        foreach (var p in parts)
        {
            p.Data.CopyTo(data, offset);
            offset += p.Data.Length;
        }
        var segment = new HlsSegment(_openMsn, _init!, _openDiscontinuity, parts, _openDuration, true, data);
        var segments = new List<HlsSegment>(_window.Segments.Count + 1);
        segments.AddRange(_window.Segments);
        segments.Add(segment);
        var discontinuities = _window.DiscontinuitySequence;
        while (segments.Count > settings.WindowSegments)
        {
            // A removed EXT-X-DISCONTINUITY tag is counted in EXT-X-DISCONTINUITY-SEQUENCE (RFC 8216 §6.2.2).
            if (segments[0].Discontinuity) discontinuities++;
            segments.RemoveAt(0);
        }
        var target = Math.Max(_window.TargetDuration, (int)Math.Round(segment.Duration, MidpointRounding.AwayFromZero));
        _openParts.Clear();
        _segmentsInGeneration++;
        _openMsn = -1;
        _openDuration = 0;
        Publish(_window with { Segments = segments, Open = null, DiscontinuitySequence = discontinuities, TargetDuration = target });
        return segment;
    }

    private void Publish(HlsWindow window)
    {
        _window = window;
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }
}
