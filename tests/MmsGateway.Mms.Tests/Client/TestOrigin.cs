using MmsGateway.Origin;
using MmsGateway.Testing;

namespace MmsGateway.Mms.Tests.Client;

/// <summary>
/// The project's origin started in-process over a temporary root holding generated media: <c>single.wmv</c> (one
/// video, one audio) and <c>mbr.asf</c> (three video bitrates and one audio), both <see cref="Seconds"/> long.
/// </summary>
internal sealed class TestOrigin : IAsyncDisposable
{
    private TestOrigin(OriginServer server, string root)
    {
        Server = server;
        Root = root;
    }

    public OriginServer Server { get; }

    public string Root { get; }

    public int MmstPort => Server.MmstPort;

    public int HttpPort => Server.HttpPort;

    public static async Task<TestOrigin> StartAsync(int seconds, Func<string, OriginOptions> configure)
    {
        string root = Directory.CreateTempSubdirectory("mmsgw-origin-").FullName;
        File.Copy(await GeneratedMedia.SingleBitrateAsync(seconds), Path.Combine(root, "single.wmv"));
        File.Copy(await GeneratedMedia.MultiBitrateAsync(seconds), Path.Combine(root, "mbr.asf"));
        try
        {
            return new TestOrigin(await OriginServer.StartAsync(configure(root)), root);
        }
        catch
        {
            Directory.Delete(root, recursive: true);
            throw;
        }
    }

    public Uri Url(string scheme, string path) => new(scheme switch
    {
        "mmsh" or "http" => $"{scheme}://127.0.0.1:{HttpPort}/{path}",
        _ => $"{scheme}://127.0.0.1:{MmstPort}/{path}",
    });

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
