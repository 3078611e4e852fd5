using System.Security.Cryptography;
using System.Text;

namespace MmsGateway.Mms.Rtsp;

/// <summary>The RFC 2617 3.2.2.1 response computation (MD5, qop=auth or none; docs/protocol/rtsp.md#s8.3).</summary>
internal static class RtspDigest
{
    public static string Response(string userName, string realm, string password, string method, string uri, string nonce,
        string? qop, string? nonceCount, string? cnonce)
    {
        string ha1 = Md5Hex($"{userName}:{realm}:{password}");
        string ha2 = Md5Hex($"{method}:{uri}");
        return qop is null ? Md5Hex($"{ha1}:{nonce}:{ha2}") : Md5Hex($"{ha1}:{nonce}:{nonceCount}:{cnonce}:{qop}:{ha2}");
    }

#pragma warning disable CA5351 // RFC 2617 Digest is defined on MD5; peers (ffmpeg, live555, WMS) speak nothing else.
    private static string Md5Hex(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));
#pragma warning restore CA5351
}
