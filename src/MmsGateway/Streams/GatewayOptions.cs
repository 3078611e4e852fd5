using Microsoft.Extensions.Options;
using MmsGateway.Adaptation;

namespace MmsGateway.Streams;

/// <summary>The <c>Gateway</c> configuration section (docs/design.md#configuration).</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>Named streams: <c>Gateway:Streams:{name}:Source</c> and friends.</summary>
    public Dictionary<string, StreamOptions> Streams { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Deadline of one TCP connect to an upstream server.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Deadline of the whole MMS handshake of one protocol attempt.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>An upstream that sends nothing for this long is considered lost.</summary>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Upstream receives wait for about this much of the stream before waking the gateway (SO_RCVLOWAT on Linux; a
    /// receive waits at most 2.5 times this for its batch). Zero wakes it for every segment the server sends.
    /// </summary>
    public TimeSpan UpstreamReceiveBatch { get; set; } = TimeSpan.FromMilliseconds(40);

    /// <summary>Grace period before an upstream session closes once its last viewer has left.</summary>
    public TimeSpan CloseAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First reconnect delay; doubles per failure up to <see cref="ReconnectMaxDelay"/>, with ±20 % jitter.</summary>
    public TimeSpan ReconnectInitialDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Memory for each live stream's packet ring (fast start and slow-viewer slack).</summary>
    public int RingBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>A viewer's writes are gathered for at most this long (coalesced writes, not one per packet).</summary>
    /// <remarks>
    /// 200 ms by default: players buffer seconds ahead, and five writes a second instead of twenty-five is what keeps a
    /// large audience cheap (benchmarks/README.md, "Fan-out"). HLS feeds ffmpeg on its own short interval.
    /// </remarks>
    public TimeSpan ViewerFlushInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Live viewers on plain HTTP/1.x get their connection taken over from Kestrel and are sent ring slots directly in one
    /// gathered send per flush (Outputs/DirectViewerConnection.cs); false keeps every viewer on Kestrel's response pipe.
    /// </summary>
    public bool DirectSend { get; set; } = true;

    /// <summary>Kernel send buffer of each viewer connection (0 = the OS's autotuning).</summary>
    public int SocketSendBufferBytes { get; set; } = 256 * 1024;

    /// <summary>Upstream hosts that <c>GET /play?url=</c> may open; empty (the default) disables ad-hoc play.</summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>Smart streaming of live streams (<c>Gateway:Adaptation</c>).</summary>
    public AdaptationOptions Adaptation { get; set; } = new();

    /// <summary>Start the bundled demo origin and stream <c>demo</c> when no stream is configured.</summary>
    public bool Demo { get; set; } = true;
}

/// <summary>One configured stream.</summary>
public sealed class StreamOptions
{
    /// <summary>Required: <c>mms://</c>, <c>mmst://</c>, <c>mmsh://</c>, <c>mmsu://</c>, <c>rtsp://</c>, <c>rtspt://</c>, <c>rtspu://</c> or <c>http://</c> URL.</summary>
    public string Source { get; set; } = "";

    /// <summary>Cap on the bitrate taken upstream (bits/s); 0 or absent = no cap.</summary>
    public long? MaxBitrate { get; set; }

    /// <summary>Rollover order for <c>mms://</c>: <c>rtspt</c>, <c>rtspu</c>, <c>mmst</c>, <c>mmsh</c>, <c>mmsu</c> (default rtspt, mmst, mmsh).</summary>
    public List<string>? Protocols { get; set; }

    /// <summary>On-demand content: each viewer gets its own upstream session and may seek (<c>?start=</c>).</summary>
    public bool OnDemand { get; set; }

    /// <summary>Overrides <see cref="GatewayOptions.CloseAfter"/> for this stream.</summary>
    public TimeSpan? CloseAfter { get; set; }

    /// <summary>Keep the upstream session open even without viewers.</summary>
    public bool AlwaysOn { get; set; }

    /// <summary>Overrides <see cref="AdaptationOptions.Enabled"/> for this stream.</summary>
    public bool? Adaptive { get; set; }

    /// <summary>Name of a YARP cluster whose destinations (health-checked by YARP) provide the server for <see cref="Source"/>.</summary>
    public string? Cluster { get; set; }
}

/// <summary>Validates <see cref="GatewayOptions"/> at start; each failure names its configuration key.</summary>
public sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    private static readonly string[] Schemes = ["mms", "mmst", "mmsh", "mmsu", "http", "rtsp", "rtspt", "rtspu"];
    private static readonly string[] ProtocolNames = ["rtspt", "rtspu", "mmst", "mmsh", "mmsu"];

    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var failures = new List<string>();
        foreach (var (stream, s) in options.Streams)
        {
            var key = $"Gateway:Streams:{stream}";
            if (!IsValidName(stream)) failures.Add($"{key}: stream names use letters, digits, '-' and '_' only");
            if (string.IsNullOrWhiteSpace(s.Source))
                failures.Add($"{key}:Source is required");
            else if (!Uri.TryCreate(s.Source, UriKind.Absolute, out var uri) || !Schemes.Contains(uri.Scheme))
                failures.Add($"{key}:Source '{s.Source}' is not an mms://, mmst://, mmsh://, mmsu://, rtsp://, rtspt://, rtspu:// or http:// URL");
            if (s.MaxBitrate is < 0) failures.Add($"{key}:MaxBitrate must be positive");
            if (s.Protocols is { } protocols && (protocols.Count == 0 || protocols.Any(p => !ProtocolNames.Contains(p, StringComparer.OrdinalIgnoreCase))))
                failures.Add($"{key}:Protocols must list rtspt, rtspu, mmst, mmsh and/or mmsu");
            if (s.CloseAfter is { } close && close < TimeSpan.Zero) failures.Add($"{key}:CloseAfter must not be negative");
        }
        Positive(failures, "Gateway:ConnectTimeout", options.ConnectTimeout);
        Positive(failures, "Gateway:HandshakeTimeout", options.HandshakeTimeout);
        Positive(failures, "Gateway:ReadTimeout", options.ReadTimeout);
        Positive(failures, "Gateway:ReconnectInitialDelay", options.ReconnectInitialDelay);
        if (options.ReconnectMaxDelay < options.ReconnectInitialDelay)
            failures.Add("Gateway:ReconnectMaxDelay must not be below Gateway:ReconnectInitialDelay");
        if (options.UpstreamReceiveBatch < TimeSpan.Zero || options.UpstreamReceiveBatch > TimeSpan.FromMilliseconds(400))
            failures.Add("Gateway:UpstreamReceiveBatch must be between 0 and 400 ms");
        if (options.RingBytes < 256 * 1024) failures.Add("Gateway:RingBytes must be at least 262144");
        if (options.ViewerFlushInterval < TimeSpan.Zero || options.ViewerFlushInterval > TimeSpan.FromSeconds(1))
            failures.Add("Gateway:ViewerFlushInterval must be between 0 and 1 s");
        var a = options.Adaptation;
        Positive(failures, "Gateway:Adaptation:Window", a.Window);
        Positive(failures, "Gateway:Adaptation:BehindLimit", a.BehindLimit);
        Positive(failures, "Gateway:Adaptation:HoldOff", a.HoldOff);
        if (a.Window < TimeSpan.FromSeconds(1)) failures.Add("Gateway:Adaptation:Window must be at least 1 s");
        if (a.Settle < TimeSpan.Zero) failures.Add("Gateway:Adaptation:Settle must not be negative");
        if (a.MeasureFor < TimeSpan.FromSeconds(2)) failures.Add("Gateway:Adaptation:MeasureFor must be at least 2 s");
        if (a.Headroom is <= 0.1 or > 1) failures.Add("Gateway:Adaptation:Headroom must be above 0.1 and at most 1");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static void Positive(List<string> failures, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero) failures.Add($"{key} must be positive");
    }
}
