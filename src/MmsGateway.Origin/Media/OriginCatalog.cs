using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using MmsGateway.Asf;

namespace MmsGateway.Origin.Media;

/// <summary>Why a name could not be served.</summary>
public enum LookupFailure
{
    None,
    NotFound,
    Unreadable,
}

/// <summary>
/// Maps request paths to media: live broadcast names first, then ASF files below the root. A path can never
/// reach outside the root: it is resolved to a full path and must stay inside it (no <c>..</c>, encoded or with
/// backslashes, no absolute path, no NUL), a symbolic link on the way must point inside it too, and only ASF
/// extensions are served. Opened files are kept for later sessions.
/// </summary>
public sealed partial class OriginCatalog : IAsyncDisposable
{
    private static readonly string[] Extensions = [".asf", ".wmv", ".wma"];

    private readonly string _root;
    private readonly Dictionary<string, LiveChannel> _live = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, Lazy<OnDemandMedia>> _files = new(StringComparer.Ordinal);
    private readonly ILogger _logger;

    public OriginCatalog(OriginOptions options, TimeProvider time, ILoggerFactory loggers)
    {
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.Root)) + Path.DirectorySeparatorChar;
        _logger = loggers.CreateLogger<OriginCatalog>();
        foreach (var (name, file) in options.Live)
            _live[name.Trim('/')] = LiveChannel.Start(name.Trim('/'), Path.GetFullPath(file), time, loggers.CreateLogger<LiveChannel>());
    }

    public IReadOnlyCollection<LiveChannel> LiveChannels => _live.Values;

    public LiveChannel? FindLive(string name) => _live.GetValueOrDefault(name.Trim('/'));

    /// <summary>Finds what <paramref name="requestPath"/> names (a leading '/' and any query are ignored).</summary>
    public OriginMedia? Find(string requestPath, out LookupFailure failure)
    {
        failure = LookupFailure.None;
        var path = requestPath;
        var query = path.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0) path = path[..query];
        path = Uri.UnescapeDataString(path.Replace('\\', '/')).TrimStart('/');
        if (_live.TryGetValue(path, out var channel)) return channel;

        var full = ResolveFile(path);
        if (full is null)
        {
            failure = LookupFailure.NotFound;
            return null;
        }
        try
        {
            return _files.GetOrAdd(full, f => new Lazy<OnDemandMedia>(() => OnDemandMedia.Open(path, f))).Value;
        }
        catch (Exception e) when (e is AsfFormatException or IOException or UnauthorizedAccessException)
        {
            _files.TryRemove(full, out _);
            LogUnreadable(_logger, path, e.Message);
            failure = LookupFailure.Unreadable;
            return null;
        }
    }

    /// <summary>The full path of an ASF file inside the root, or null (outside the root, not ASF, missing).</summary>
    public string? ResolveFile(string relativePath)
    {
        if (relativePath.Length == 0 || relativePath.Contains('\0', StringComparison.Ordinal)) return null;
        string full;
        try
        {
            full = Path.GetFullPath(Path.Combine(_root, relativePath));
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return null;
        }
        if (!full.StartsWith(_root, StringComparison.Ordinal)) return null;
        if (!Extensions.Contains(Path.GetExtension(full), StringComparer.OrdinalIgnoreCase)) return null;
        return File.Exists(full) && !LeavesRoot(full) ? full : null;
    }

    /// <summary>
    /// True when a directory or the file below the root is a symbolic link whose final target is outside the root
    /// (GetFullPath only removes <c>..</c>; it does not follow links).
    /// </summary>
    private bool LeavesRoot(string full)
    {
        var current = _root.TrimEnd(Path.DirectorySeparatorChar);
        foreach (var part in full[_root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            FileSystemInfo info = Directory.Exists(current) ? new DirectoryInfo(current) : new FileInfo(current);
            if (info.LinkTarget is null) continue;
            try
            {
                var target = info.ResolveLinkTarget(returnFinalTarget: true);
                if (target is null || !Path.GetFullPath(target.FullName).StartsWith(_root, StringComparison.Ordinal)) return true;
            }
            catch (IOException)
            {
                return true;
            }
        }
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _live.Values) await channel.DisposeAsync().ConfigureAwait(false);
        foreach (var file in _files.Values)
            if (file.IsValueCreated) file.Value.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot serve {Path}: {Problem}")]
    private static partial void LogUnreadable(ILogger logger, string path, string problem);
}
