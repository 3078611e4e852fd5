using System.CommandLine;

namespace MmsGateway.Cli;

/// <summary>
/// The one executable's verbs (docs/design.md#commands): <c>serve</c> (default), <c>probe</c>, <c>origin</c>; <c>record</c>
/// joins when the MMS client lands. Exit code 0 on success, non-zero with one line on standard error.
/// </summary>
public static class GatewayCommandLine
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("MmsGateway: plays legacy mms:// streams in any browser and player.");
        var serve = ServeCommand.Create();
        root.Subcommands.Add(serve);
        root.Subcommands.Add(ProbeCommand.Create());
        root.Subcommands.Add(RecordCommand.Create());
        root.Subcommands.Add(OriginCommand.Create());
        root.Subcommands.Add(SignCommand.Create());

        // No verb, or only host options (--urls ...), means serve.
        if (args.Length == 0 || args[0].StartsWith('-') && args[0] is not ("-h" or "--help" or "-?" or "--version"))
            args = ["serve", .. args];

        var parse = root.Parse(args);
        return await parse.InvokeAsync().ConfigureAwait(false);
    }
}
