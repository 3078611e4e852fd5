using System.Text.Json;
using MmsGateway.Tests.Deployment;

namespace MmsGateway.Tests.Hls;

/// <summary>The player's hls.js is the npm package web/ pins, copied by its build (no CDN, no stale copy).</summary>
public sealed class PlayerAssetTests
{
    [Fact]
    public void The_bundled_hls_js_is_the_version_web_package_json_pins()
    {
        var root = RepoPaths.Root;
        using var package = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "web", "package.json")));
        var pinned = package.RootElement.GetProperty("dependencies").GetProperty("hls.js").GetString();
        using var lockFile = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "web", "package-lock.json")));
        Assert.Equal(pinned, lockFile.RootElement.GetProperty("packages").GetProperty("node_modules/hls.js").GetProperty("version").GetString());
        var wwwroot = Path.Combine(root, "src", "MmsGateway", "wwwroot");
        Assert.Equal($"hls.js {pinned}", File.ReadAllText(Path.Combine(wwwroot, "hls.version.txt")).Trim());
        Assert.True(new FileInfo(Path.Combine(wwwroot, "hls.min.js")).Length > 100_000);
        // The page loads only files the gateway serves itself.
        var page = File.ReadAllText(Path.Combine(wwwroot, "player.html"));
        Assert.DoesNotContain("http://", page);
        Assert.DoesNotContain("https://", page);
    }
}
