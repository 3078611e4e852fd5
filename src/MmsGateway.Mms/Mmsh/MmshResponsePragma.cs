using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace MmsGateway.Mms.Mmsh;

/// <summary>
/// The value of a server's <c>Pragma</c> response header (docs/protocol/mmsh.md#s2.6, docs/protocol/mmsh.md#s2.7, docs/protocol/servers.md#s3.2.3; MS-WMSP 2.2.1.4),
/// written into a span. A streaming response (Describe, Play) carries
/// <c>no-cache,client-id=N[,xResetStrm=1],features="…",timeout=T</c>: libmms and vlc look for the features substring
/// (<c>broadcast</c>) and take the session's client-id from here. An empty answer to a POST carries
/// <c>client-id=N,timeout=T</c> only.
/// </summary>
public static class MmshResponsePragma
{
    /// <summary>Bytes <see cref="TryWrite"/> needs at most for <paramref name="info"/>.</summary>
    public static int MaxLength(MmshResponseInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        // no-cache,client-id=4294967295,xResetStrm=1,features="",timeout=4294967295
        var length = 73;
        for (var i = 0; i < info.Features.Count; i++) length += info.Features[i].Length + (i > 0 ? 1 : 0);
        return length;
    }

    /// <summary>
    /// Writes the streaming form for <paramref name="info"/>; false when <paramref name="destination"/> is too small
    /// (<see cref="MaxLength"/> always suffices). Throws <see cref="ArgumentException"/> for a feature that would break
    /// the quoted list or a character an HTTP head cannot carry.
    /// </summary>
    public static bool TryWrite(Span<byte> destination, MmshResponseInfo info, out int written)
    {
        ArgumentNullException.ThrowIfNull(info);
        written = 0;
        var reset = info.ResetStream ? "xResetStrm=1," : "";
        if (!Utf8.TryWrite(destination, CultureInfo.InvariantCulture, $"no-cache,client-id={info.ClientId},{reset}features=\"", out var head))
            return false;
        var at = head;
        for (var i = 0; i < info.Features.Count; i++)
        {
            var feature = info.Features[i];
            CheckFeature(feature);
            if (i > 0)
            {
                if (at == destination.Length) return false;
                destination[at++] = (byte)',';
            }
            if (!Encoding.ASCII.TryGetBytes(feature, destination[at..], out var length)) return false;
            at += length;
        }
        if (!Utf8.TryWrite(destination[at..], CultureInfo.InvariantCulture, $"\",timeout={info.Timeout}", out var tail)) return false;
        written = at + tail;
        return true;
    }

    /// <summary>Writes the form of an empty answer (KeepAlive, Log, Stop, SelectStream: docs/protocol/servers.md#s3.2.9).</summary>
    public static bool TryWriteEmpty(Span<byte> destination, MmshResponseInfo info, out int written)
    {
        ArgumentNullException.ThrowIfNull(info);
        return Utf8.TryWrite(destination, CultureInfo.InvariantCulture, $"client-id={info.ClientId},timeout={info.Timeout}", out written);
    }

    /// <summary>The streaming form as a string, for a server whose HTTP stack takes header values as text.</summary>
    public static string Format(MmshResponseInfo info)
    {
        var length = MaxLength(info);
        Span<byte> value = length <= 512 ? stackalloc byte[length] : new byte[length];
        TryWrite(value, info, out var written);
        return Encoding.ASCII.GetString(value[..written]);
    }

    private static void CheckFeature(string feature)
    {
        MmshText.CheckHeaderValue(feature, nameof(MmshResponseInfo.Features));
        if (feature.Contains('"', StringComparison.Ordinal) || feature.Contains(',', StringComparison.Ordinal))
            throw new ArgumentException($"'{feature}' is not a feature token.", nameof(MmshResponseInfo.Features));
    }
}
