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
            var app = GatewayHost.Build(hostArgs);
            await app.RunAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
