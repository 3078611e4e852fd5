using BenchmarkDotNet.Running;
using MmsGateway.Benchmarks;

// `first-byte` runs the join-latency measurement; anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "first-byte") return await FirstByteLatency.RunAsync(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(PacketFilterBenchmarks).Assembly).Run(args);
return 0;
