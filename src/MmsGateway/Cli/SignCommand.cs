using System.CommandLine;
using Microsoft.Extensions.Configuration;
using MmsGateway.Security;

namespace MmsGateway.Cli;

/// <summary>
/// <c>sign PATH [--ttl SECONDS] [--key KEY]</c>: prints a signed viewer URL (path and query) for
/// <c>Gateway:Security:ViewerKeys</c>. PATH is a stream (<c>demo</c>, <c>/streams/demo/</c> or any URL below it: the
/// token opens the whole stream) or an ad-hoc <c>/play?url=…</c>. The key comes from <c>--key</c>, else the first
/// configured viewer key (appsettings.json beside the binary, <c>Gateway__Security__ViewerKeys__0</c>, …).
/// </summary>
internal static class SignCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("path") { Description = "A stream name, /streams/NAME/..., or /play?url=URL." };
        var ttl = new Option<double>("--ttl") { Description = "Seconds the URL stays valid.", DefaultValueFactory = _ => 3600 };
        var key = new Option<string?>("--key") { Description = "The key to sign with (default: the first Gateway:Security:ViewerKeys)." };
        var command = new Command("sign", "Print a signed, expiring viewer URL (Gateway:Security:ViewerKeys).") { target, ttl, key };
        command.SetAction(parse =>
        {
            var text = parse.GetValue(target)!.Trim();
            var seconds = parse.GetValue(ttl);
            if (!(seconds > 0 && seconds <= 10 * 365 * 86400.0))
            {
                Console.Error.WriteLine("sign: --ttl must be a positive number of seconds (at most ten years)");
                return 2;
            }
            var signingKey = parse.GetValue(key) ?? ConfiguredKey();
            if (signingKey is not { Length: >= SecurityOptionsValidator.MinKeyLength })
            {
                Console.Error.WriteLine($"sign: no key of at least {SecurityOptionsValidator.MinKeyLength} characters (--key or Gateway:Security:ViewerKeys:0)");
                return 2;
            }
            if (!TryScope(text, out var path, out var scope))
            {
                Console.Error.WriteLine($"sign: '{text}' is not a stream name, /streams/NAME/... or /play?url=URL");
                return 2;
            }
            var signer = new ViewerUrlSigner([signingKey], TimeProvider.System);
            var query = signer.Sign(scope, DateTimeOffset.UtcNow.AddSeconds(seconds));
            Console.Out.WriteLine(path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query);
            return 0;
        });
        return command;
    }

    /// <summary>The path to print and the scope to sign.</summary>
    internal static bool TryScope(string text, out string path, out string scope)
    {
        path = scope = "";
        if (text.StartsWith("/play?url=", StringComparison.OrdinalIgnoreCase))
        {
            var url = Uri.UnescapeDataString(text["/play?url=".Length..]);
            scope = ViewerUrlSigner.PlayScope(url);
            path = "/play?url=" + Uri.EscapeDataString(url);
            return url.Length > 0;
        }
        if (!text.StartsWith('/')) text = $"/streams/{text}/";
        if (ViewerUrlSigner.ScopeOf(text, null) is not { } streamScope) return false;
        scope = streamScope;
        path = text;
        return true;
    }

    private static string? ConfiguredKey()
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .Build();
        return configuration.GetSection(SecurityOptions.Section).Get<SecurityOptions>()?.ViewerKeys.FirstOrDefault();
    }
}
