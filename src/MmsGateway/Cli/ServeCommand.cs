using System.CommandLine;

namespace MmsGateway.Cli;

/// <summary><c>serve</c>: the gateway. Every token after the verb goes to the ASP.NET Core host (configuration, --urls).</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var command = new Command("serve", "Run the gateway (the default verb).")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var hostArgs = parse.UnmatchedTokens.ToArray();
            try
            {
                var app = GatewayHost.Build(hostArgs);
                // Validate before the host starts, so a bad value is one line, not a logged stack trace.
                _ = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Streams.GatewayOptions>>().Value;
                await app.RunAsync(cancellationToken).ConfigureAwait(false);
                return 0;
            }
            catch (Microsoft.Extensions.Options.OptionsValidationException e)
            {
                // One line naming the key (docs/design.md#configuration).
                Console.Error.WriteLine($"serve: invalid configuration: {string.Join("; ", e.Failures)}");
                return 2;
            }
            catch (IOException e) when (e.InnerException is System.Net.Sockets.SocketException || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                Console.Error.WriteLine($"serve: cannot listen: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
