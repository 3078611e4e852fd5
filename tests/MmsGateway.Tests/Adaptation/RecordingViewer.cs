using System.Net.Sockets;
using System.Text.Json;
using MmsGateway.Asf;
using MmsGateway.Asf.Objects;
using MmsGateway.Asf.Packets;

namespace MmsGateway.Tests.Adaptation;

/// <summary>
/// A viewer of a gateway's <c>live.asf</c> that keeps every byte it reads, optionally reading no faster than a given
/// rate (a viewer on a slow link). Reading runs in the background until disposed.
/// </summary>
internal sealed class RecordingViewer : IAsyncDisposable
{
    private readonly MemoryStream _bytes = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _reading = Task.CompletedTask;

    private RecordingViewer()
    {
    }

    public static RecordingViewer Start(HttpClient http, string path)
    {
        var viewer = new RecordingViewer();
        viewer._reading = Task.Run(() => viewer.ReadAsync(http, path, viewer._stop.Token));
        return viewer;
    }

    /// <summary>
    /// A viewer on a slow link: a plain socket with a small receive window (so the kernel does not absorb megabytes on
    /// its behalf and hide its slowness from the gateway), reading at most <paramref name="bytesPerSecond"/>. HTTP/1.0,
    /// so the body comes unchunked.
    /// </summary>
    public static RecordingViewer StartSlow(Uri baseAddress, string path, long bytesPerSecond)
    {
        var viewer = new RecordingViewer();
        viewer._reading = Task.Run(() => viewer.ReadSlowAsync(baseAddress, path, bytesPerSecond, viewer._stop.Token));
        return viewer;
    }

    public long Length
    {
        get
        {
            lock (_bytes) return _bytes.Length;
        }
    }

    public byte[] Snapshot()
    {
        lock (_bytes) return _bytes.ToArray();
    }

    private async Task ReadAsync(HttpClient http, string path, CancellationToken ct)
    {
        try
        {
            using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, ct);
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            var buffer = new byte[65536];
            int n;
            while ((n = await body.ReadAsync(buffer, ct)) > 0)
            {
                lock (_bytes) _bytes.Write(buffer, 0, n);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
        {
        }
    }

    private async Task ReadSlowAsync(Uri baseAddress, string path, long bytesPerSecond, CancellationToken ct)
    {
        try
        {
            using var client = new TcpClient { ReceiveBufferSize = 4096 };
            await client.ConnectAsync(baseAddress.Host, baseAddress.Port, ct);
            var stream = client.GetStream();
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"GET {path} HTTP/1.0\r\nHost: gateway\r\n\r\n"), ct);
            var buffer = new byte[(int)Math.Clamp(bytesPerSecond / 20, 256, 8192)];
            var head = new List<byte>();
            var inBody = false;
            var started = DateTime.UtcNow;
            long total = 0;
            int n;
            while ((n = await stream.ReadAsync(buffer, ct)) > 0)
            {
                var data = buffer.AsSpan(0, n);
                if (!inBody)
                {
                    head.AddRange(data.ToArray());
                    var end = IndexOfHeadEnd(head);
                    if (end < 0) continue;
                    inBody = true;
                    data = head.ToArray().AsSpan(end);
                }
                lock (_bytes) _bytes.Write(data);
                total += n;
                var due = TimeSpan.FromSeconds(total / (double)bytesPerSecond) - (DateTime.UtcNow - started);
                if (due > TimeSpan.Zero) await Task.Delay(due, ct);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
        {
        }
    }

    private static int IndexOfHeadEnd(List<byte> head)
    {
        for (var i = 3; i < head.Count; i++)
            if (head[i - 3] == '\r' && head[i - 2] == '\n' && head[i - 1] == '\r' && head[i] == '\n') return i + 1;
        return -1;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _reading;
        _stop.Dispose();
    }
}

/// <summary>What a viewer received: per stream, the presentation times of the media objects that started.</summary>
internal sealed record ReceivedMedia(AsfHeader Header, IReadOnlyDictionary<int, List<uint>> ObjectStarts, IReadOnlyDictionary<int, int> NonKeyVideoObjects,
    byte[] WholePackets)
{
    public static ReceivedMedia Parse(byte[] view)
    {
        var header = AsfHeaderReader.Parse(view);
        var start = header.Raw.Length + AsfDataObjectHeader.Size;
        var starts = new Dictionary<int, List<uint>>();
        var nonKey = new Dictionary<int, int>();
        var payloads = new AsfPayload[AsfPacketParser.MaxPayloads];
        for (var offset = start; offset + header.PacketSize <= view.Length; offset += header.PacketSize)
        {
            var packet = AsfPacketParser.Parse(view.AsSpan(offset, header.PacketSize), (int)header.PacketSize, payloads);
            foreach (var p in payloads.AsSpan(0, packet.PayloadCount))
            {
                if (!p.StartsMediaObject) continue;
                (starts.TryGetValue(p.StreamNumber, out var list) ? list : starts[p.StreamNumber] = []).Add(p.PresentationTime);
                if (!p.IsKeyFrame && header.FindStream(p.StreamNumber)?.Type == AsfStreamType.Video)
                    nonKey[p.StreamNumber] = nonKey.GetValueOrDefault(p.StreamNumber) + 1;
            }
        }
        var whole = start + ((view.Length - start) / (int)header.PacketSize * (int)header.PacketSize);
        return new ReceivedMedia(header, starts, nonKey, view[..whole]);
    }

    public int AudioStream => Header.Streams.First(s => s.Type == AsfStreamType.Audio).StreamNumber;

    /// <summary>The longest step between consecutive audio objects, in ms (a gap a listener would hear).</summary>
    public long LongestAudioGapMs() => LongestAudioGap().Gap;

    /// <summary>The longest step between consecutive audio objects and the presentation time where it starts.</summary>
    public (long Gap, uint At, uint First) LongestAudioGap()
    {
        var times = ObjectStarts[AudioStream].Distinct().Order().ToList();
        (long Gap, uint At, uint First) longest = (0, 0, times.Count > 0 ? times[0] : 0);
        for (var i = 1; i < times.Count; i++)
            if (times[i] - times[i - 1] > longest.Gap) longest = (times[i] - times[i - 1], times[i - 1], longest.First);
        return longest;
    }

    /// <summary>The furthest the audio's presentation time went back, in arrival order: audio heard twice.</summary>
    public long LongestAudioStepBack()
    {
        var times = ObjectStarts[AudioStream];
        long longest = 0, newest = times.Count > 0 ? times[0] : 0;
        foreach (var t in times)
        {
            longest = Math.Max(longest, newest - t);
            newest = Math.Max(newest, t);
        }
        return longest;
    }

    public int ObjectsOf(int stream) => ObjectStarts.TryGetValue(stream, out var list) ? list.Count : 0;
}

/// <summary>The <c>adaptation</c> part of a stream in <c>GET /streams</c>.</summary>
internal sealed record AdaptationState(int[] SelectedStreams, int Step, string Current, int ThinningLevel, long SelectedBitrate,
    string[] History, LadderStep[] Ladder)
{
    public static async Task<AdaptationState> ReadAsync(HttpClient http, string stream)
    {
        using var document = JsonDocument.Parse(await http.GetStringAsync("/streams"));
        var entry = document.RootElement.GetProperty("streams").EnumerateArray().First(s => s.GetProperty("name").GetString() == stream);
        var adaptation = entry.GetProperty("adaptation");
        return new AdaptationState(
            entry.GetProperty("selectedStreams").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            adaptation.GetProperty("step").GetInt32(),
            adaptation.GetProperty("current").GetString()!,
            adaptation.GetProperty("thinningLevel").GetInt32(),
            adaptation.GetProperty("selectedBitrate").GetInt64(),
            adaptation.GetProperty("history").EnumerateArray().Select(h =>
                $"{h.GetProperty("reason").GetString()}: {h.GetProperty("from").GetString()} -> {h.GetProperty("to").GetString()}" +
                $" (link {h.GetProperty("receivedBitsPerSecond").GetInt64() / 1000} kbps, progress {h.GetProperty("progress").GetDouble()})").ToArray(),
            adaptation.GetProperty("ladder").EnumerateArray().Select(l => new LadderStep(
                l.GetProperty("bitrate").GetInt64(),
                l.GetProperty("thinningLevel").GetInt32(),
                l.GetProperty("streams").EnumerateArray().Select(e => e.GetInt32()).ToArray())).ToArray());
    }

    /// <summary>The bitrate of the ladder step taking exactly <paramref name="streams"/> at <paramref name="thinningLevel"/>.</summary>
    public long BitrateOf(int thinningLevel, params int[] streams) =>
        Ladder.First(l => l.ThinningLevel == thinningLevel && l.Streams.SequenceEqual(streams)).Bitrate;

    public override string ToString() =>
        $"selected [{string.Join(",", SelectedStreams)}], {Current}; history: {string.Join(" | ", History)}; " +
        $"ladder: {string.Join(", ", Ladder.Select(l => $"[{string.Join(",", l.Streams)}]@{l.ThinningLevel} {l.Bitrate / 1000} kbps"))}";
}

/// <summary>One step of the ladder as <c>GET /streams</c> lists it.</summary>
internal sealed record LadderStep(long Bitrate, int ThinningLevel, int[] Streams);
