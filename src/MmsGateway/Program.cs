using MmsGateway.Cli;

return await GatewayCommandLine.RunAsync(args);
