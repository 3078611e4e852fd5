using MmsGateway.Cli;

NativeHeap.ReturnLargeBlocksToTheSystem();
return await GatewayCommandLine.RunAsync(args);
