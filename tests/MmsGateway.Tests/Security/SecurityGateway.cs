using MmsGateway.Security;
using MmsGateway.Tests.Streams;

namespace MmsGateway.Tests.Security;

/// <summary>Keys shared by the security tests, and helpers to sign URLs for a harness.</summary>
internal static class SecurityGateway
{
    public const string Key1 = "first-viewer-key-0123456789abcdef-0123";
    public const string Key2 = "second-viewer-key-0123456789abcdef-012";
    public const string AdminKey = "admin-api-key-0123456789abcdef-0123456";

    /// <summary>A path with the query that signs it, valid for <paramref name="ttl"/>, with <paramref name="key"/>.</summary>
    public static string Signed(string path, string scope, TimeSpan ttl, string key = Key1)
    {
        var signer = new ViewerUrlSigner([key], TimeProvider.System);
        return path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + signer.Sign(scope, DateTimeOffset.UtcNow + ttl);
    }

    /// <summary>Reads the start of a streaming response (status and the first bytes), then lets it go.</summary>
    public static async Task<(int Status, byte[] Body)> PeekAsync(GatewayHarness harness, string path, int bytes = 4096, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        using var response = await harness.Http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        await using var body = await response.Content.ReadAsStreamAsync(cts.Token);
        var buffer = new byte[bytes];
        var length = 0;
        try
        {
            while (length < bytes)
            {
                var read = await body.ReadAsync(buffer.AsMemory(length), cts.Token);
                if (read == 0) break;
                length += read;
            }
        }
        catch (OperationCanceledException)
        {
        }
        return ((int)response.StatusCode, buffer[..length]);
    }
}
