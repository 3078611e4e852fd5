using System.Globalization;
using MmsGateway.Mms.Client;

namespace MmsGateway.Cli.Probe;

/// <summary>What <c>probe</c> and <c>record</c> share: telling URLs from file paths, and the client options.</summary>
internal static class SourceArguments
{
    private static readonly string[] Schemes = ["mms", "mmst", "mmsu", "mmsh", "http", "https", "file", "rtsp", "rtspt", "rtspu"];

    private static readonly string[] PlaylistExtensions = [".asx", ".wax", ".wvx", ".wmx", ".nsc", ".asxini"];

    /// <summary>
    /// A URL to connect to: an MMS or HTTP URL, or a local playlist file (resolved like a remote one). Other
    /// arguments are file paths.
    /// </summary>
    public static bool TryGetUrl(string source, out Uri url)
    {
        if (Uri.TryCreate(source, UriKind.Absolute, out Uri? parsed) && Schemes.Contains(parsed.Scheme)
            && (!parsed.IsFile || IsPlaylistPath(parsed.LocalPath)) && source.Contains(':', StringComparison.Ordinal)
            && (!parsed.IsFile || source.StartsWith("file:", StringComparison.OrdinalIgnoreCase)))
        {
            url = parsed;
            return true;
        }

        if (IsPlaylistPath(source))
        {
            url = new Uri(Path.GetFullPath(source));
            return true;
        }

        url = null!;
        return false;
    }

    private static bool IsPlaylistPath(string path) =>
        PlaylistExtensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase)) && !path.Contains("://", StringComparison.Ordinal);

    /// <summary>Client options from <c>--timeout</c> (every connect, handshake step and read) and <c>--protocols</c>.</summary>
    public static MmsClientOptions ClientOptions(double timeoutSeconds, string? protocols)
    {
        if (timeoutSeconds <= 0 || double.IsNaN(timeoutSeconds) || timeoutSeconds > 3600)
            throw new ArgumentException("--timeout must be a number of seconds above 0 (at most 3600)");
        TimeSpan timeout = TimeSpan.FromSeconds(timeoutSeconds);
        var options = new MmsClientOptions
        {
            ConnectTimeout = timeout < TimeSpan.FromSeconds(5) ? timeout : TimeSpan.FromSeconds(5),
            HandshakeTimeout = timeout,
            ReadTimeout = timeout,
        };
        if (!string.IsNullOrWhiteSpace(protocols))
        {
            var order = new List<MmsProtocol>();
            foreach (string name in protocols.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!Enum.TryParse(name, ignoreCase: true, out MmsProtocol protocol) || protocol == MmsProtocol.Multicast
                    || !Enum.IsDefined(protocol) || int.TryParse(name, CultureInfo.InvariantCulture, out _))
                {
                    throw new ArgumentException($"--protocols: '{name}' is not rtspt, rtspu, mmst, mmsh or mmsu");
                }

                order.Add(protocol);
            }

            options.RolloverOrder = order;
        }

        return options;
    }
}
