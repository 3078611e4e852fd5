using System.Net;
using System.Reflection.PortableExecutable;
using System.Text.Json;
using MmsGateway.Tests.Observability;

namespace MmsGateway.Tests.Deployment;

/// <summary>
/// The Dockerfile without a container engine (none runs here): lint-level checks of the runtime stage, the build
/// context it copies from (through .dockerignore), and its build stage replayed in a temporary folder, so the
/// publish command it runs is proven to produce a gateway that starts and answers its health check.
/// </summary>
public class DockerfileTests
{
    private static List<DockerStage> Stages() => DockerfileModel.Parse(File.ReadAllText(RepoPaths.Combine("Dockerfile")));

    private static DockerIgnore Ignore() => new(File.ReadAllText(RepoPaths.Combine(".dockerignore")));

    [Fact]
    public void Builds_with_the_sdk_and_runs_on_the_aspnet_runtime()
    {
        var stages = Stages();
        Assert.True(stages.Count >= 2, "multi-stage: build and runtime");
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0", stages[0].Image, StringComparison.Ordinal);
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:10.0", stages[^1].Image, StringComparison.Ordinal);
    }

    [Fact]
    public void The_runtime_stage_is_non_root_exposes_8080_and_checks_healthz()
    {
        var runtime = Stages()[^1];
        var user = Assert.Single(runtime.All("USER")).Arguments;
        Assert.DoesNotMatch(@"^(root|0)(:|$)", user);
        Assert.Contains(runtime.All("EXPOSE"), e => e.Arguments.Split(' ').Contains("8080"));
        Assert.Contains(runtime.All("ENV"), e => e.Arguments.Contains("ASPNETCORE_URLS=http://+:8080", StringComparison.Ordinal));
        var healthcheck = Assert.Single(runtime.All("HEALTHCHECK")).Arguments;
        Assert.Contains(" CMD ", " " + healthcheck + " ", StringComparison.Ordinal);
        Assert.Contains("http://127.0.0.1:8080/healthz", healthcheck, StringComparison.Ordinal);
        // The health check's curl and the HLS output's ffmpeg are installed, without recommends, lists removed.
        var install = Assert.Single(runtime.All("RUN"), r => r.Arguments.Contains("apt-get install", StringComparison.Ordinal)).Arguments;
        foreach (var part in new[] { "curl", "ffmpeg", "--no-install-recommends", "rm -rf /var/lib/apt/lists/*" })
            Assert.Contains(part, install, StringComparison.Ordinal);
        Assert.Contains("MmsGateway.dll", Assert.Single(runtime.All("ENTRYPOINT")).Arguments, StringComparison.Ordinal);
        // USER after the installs: apt-get needs root, the process must not have it.
        Assert.True(runtime.Instructions.FindIndex(i => i.Keyword == "USER") > runtime.Instructions.FindIndex(i => i.Keyword == "RUN"));
    }

    [Fact]
    public void Restore_runs_before_the_sources_are_copied_so_packages_stay_cached()
    {
        var build = Stages()[0].Instructions;
        var restore = build.FindIndex(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet restore", StringComparison.Ordinal));
        var sources = build.FindIndex(i => i.Keyword == "COPY" && i.Arguments == "src/ src/");
        Assert.True(restore >= 0 && sources > restore, "dotnet restore, then COPY src/ src/");
        Assert.All(build.Take(restore).Where(i => i.Keyword == "COPY"), c =>
            Assert.DoesNotContain(c.Arguments.Split(' ')[..^1], s => s.EndsWith(".cs", StringComparison.Ordinal)));
    }

    [Fact]
    public void Everything_the_build_copies_is_in_the_build_context()
    {
        var ignore = Ignore();
        foreach (var copy in Stages()[0].All("COPY"))
        {
            foreach (var source in copy.Arguments.Split(' ')[..^1])
            {
                var path = RepoPaths.Combine(source.TrimEnd('/'));
                Assert.True(File.Exists(path) || Directory.Exists(path), $"COPY {source}: not in the repository");
                Assert.False(ignore.IsExcluded(source.TrimEnd('/')), $"COPY {source}: excluded by .dockerignore");
            }
        }
        // Every project the gateway references is restored from a copied project file.
        foreach (var project in Directory.GetFiles(RepoPaths.Combine("src"), "*.csproj", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(RepoPaths.Root, project).Replace('\\', '/');
            Assert.Contains(Stages()[0].All("COPY"), c => c.Arguments.StartsWith(relative + " ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Dockerignore_keeps_build_output_and_tools_out_of_the_context()
    {
        var ignore = Ignore();
        Assert.True(ignore.IsExcluded("src/MmsGateway/bin/Release/net10.0/MmsGateway.dll"));
        Assert.True(ignore.IsExcluded("src/MmsGateway.Asf/obj/project.assets.json"));
        Assert.True(ignore.IsExcluded(".git/HEAD"));
        Assert.True(ignore.IsExcluded(".tools/bin/helm"));
        Assert.True(ignore.IsExcluded("tests/MmsGateway.Tests/MmsGateway.Tests.csproj"));
        Assert.True(ignore.IsExcluded("charts/mms-gateway/values.yaml"));
        Assert.False(ignore.IsExcluded("src/MmsGateway/GatewayHost.cs"));
        Assert.False(ignore.IsExcluded("Directory.Build.props"));
        Assert.False(ignore.IsExcluded("src/MmsGateway/Demo/demo.wmv"));
    }

    /// <summary>
    /// Replays the build stage: its ENV, WORKDIR, COPY and RUN (dotnet restore, then dotnet publish -o /app exactly as
    /// written, container paths mapped to a temporary folder), then starts the published gateway as the image's
    /// ENTRYPOINT and CMD do and asks /healthz as its HEALTHCHECK does.
    /// By default the RUN steps run in the repository itself, which the COPY steps mirror (asserted), so the
    /// publish is incremental after ./test.sh's Release build and the test stays short; what the context leaves out
    /// is covered by <see cref="Everything_the_build_copies_is_in_the_build_context"/>. MMSGW_DOCKER_CLEAN_BUILD=1
    /// replays it in a clean copy of the build context instead (.dockerignore applied), like `docker build` (about a
    /// minute on two cores).
    /// </summary>
    /// <summary>Whether the assembly carries ReadyToRun code: a managed native header whose signature is "RTR".</summary>
    private static bool IsReadyToRun(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        var native = pe.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory ?? default;
        if (native.Size == 0) return false;
        return pe.GetSectionData(native.RelativeVirtualAddress).GetReader().ReadUInt32() == 0x00525452;
    }

    [Fact]
    public async Task The_build_stage_publishes_a_gateway_that_starts_and_is_healthy()
    {
        var clean = Environment.GetEnvironmentVariable("MMSGW_DOCKER_CLEAN_BUILD") == "1";
        var stages = Stages();
        var build = stages[0];
        var ignore = Ignore();
        var root = Directory.CreateTempSubdirectory("mmsgw-docker-build-");
        try
        {
            string Map(string containerPath, string cwd) => containerPath.StartsWith('/')
                ? Path.Combine(root.FullName, containerPath.TrimStart('/'))
                : Path.GetFullPath(Path.Combine(cwd, containerPath));

            // The build stage's environment, with nothing inherited from this test host's own dotnet/MSBuild
            // process, and without long-lived build servers (a container's RUN step ends with its processes).
            var environment = Environment.GetEnvironmentVariables().Keys.Cast<string>()
                .Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase))
                .ToDictionary(k => k, string? (_) => null);
            environment["MSBUILDDISABLENODEREUSE"] = "1";
            environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
            environment["UseSharedCompilation"] = "false";

            var cwd = root.FullName;
            string? publishOutput = null;
            foreach (var instruction in build.Instructions)
            {
                var args = instruction.Arguments.Split(' ');
                switch (instruction.Keyword)
                {
                    case "WORKDIR":
                        Assert.True(clean || cwd == root.FullName, "in-place replay takes one WORKDIR as the context root");
                        cwd = clean ? Map(instruction.Arguments, cwd) : RepoPaths.Root;
                        Directory.CreateDirectory(cwd);
                        break;
                    case "ENV":
                        foreach (var pair in args)
                        {
                            var eq = pair.IndexOf('=', StringComparison.Ordinal);
                            environment[pair[..eq]] = pair[(eq + 1)..];
                        }
                        break;
                    case "COPY":
                        Assert.DoesNotContain(args, a => a.StartsWith("--", StringComparison.Ordinal));
                        if (clean)
                        {
                            var destination = Map(args[^1], cwd);
                            foreach (var source in args[..^1]) CopyFromContext(source, destination, ignore);
                        }
                        else
                        {
                            // Each COPY puts its sources at the same relative place under WORKDIR as in the context.
                            foreach (var source in args[..^1])
                            {
                                var folder = Directory.Exists(RepoPaths.Combine(source)) ? source : Path.GetDirectoryName(source)!.Replace('\\', '/');
                                Assert.Equal(folder.Length == 0 ? "./" : folder.TrimEnd('/') + "/", args[^1]);
                            }
                        }
                        break;
                    case "RUN":
                        Assert.DoesNotContain(args, a => a is "&&" or "||" or "|" or ";" or ">");
                        var mapped = args.Skip(1).Select(a => a.StartsWith('/') ? Map(a, cwd) : a).ToArray();
                        if (args[0] == "dotnet" && args.Contains("publish")) publishOutput = mapped[Array.IndexOf(args, "-o")];
                        var run = await ExternalProcess.RunAsync(args[0], mapped, TimeSpan.FromMinutes(5), workingDirectory: cwd, environment: environment);
                        Assert.True(run.ExitCode == 0, $"RUN {instruction.Arguments}\n{run}");
                        break;
                    case "ARG" or "LABEL":
                        break;
                    default:
                        Assert.Fail($"{instruction.Keyword} in the build stage: not replayed by this test");
                        break;
                }
            }

            Assert.NotNull(publishOutput);
            Assert.True(File.Exists(Path.Combine(publishOutput, "MmsGateway.dll")), "publish wrote no MmsGateway.dll");
            Assert.True(File.Exists(Path.Combine(publishOutput, "MmsGateway.runtimeconfig.json")));
            // The shipped build is precompiled and keeps that code: ReadyToRun, tiered compilation off (MmsGateway.csproj).
            foreach (var assembly in new[] { "MmsGateway.dll", "MmsGateway.Origin.dll", "MmsGateway.Mms.dll", "MmsGateway.Asf.Files.dll", "MmsGateway.Asf.dll" })
                Assert.True(IsReadyToRun(Path.Combine(publishOutput, assembly)), $"{assembly} was published without ReadyToRun code");
            using (var runtimeConfig = JsonDocument.Parse(File.ReadAllText(Path.Combine(publishOutput, "MmsGateway.runtimeconfig.json"))))
            {
                var properties = runtimeConfig.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
                Assert.False(properties.GetProperty("System.Runtime.TieredCompilation").GetBoolean());
            }
            // The runtime stage copies exactly what the publish step wrote.
            var copy = Assert.Single(stages[^1].All("COPY"));
            Assert.Equal($"--from={build.Name} /{Path.GetRelativePath(root.FullName, publishOutput)} ./", copy.Arguments);

            // ENTRYPOINT ["dotnet", "MmsGateway.dll"] CMD ["serve"], in WORKDIR /app: it starts and /healthz answers,
            // which is what the image's HEALTHCHECK asks.
            var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            await using var gateway = BackgroundProcess.Start("dotnet",
                [Path.Combine(publishOutput, "MmsGateway.dll"), "serve", "--urls", "http://127.0.0.1:0"],
                line =>
                {
                    var at = line.IndexOf("Now listening on: ", StringComparison.Ordinal);
                    if (at >= 0) listening.TrySetResult(line[(at + "Now listening on: ".Length)..].Trim());
                });
            var started = await Task.WhenAny(listening.Task, Task.Delay(TimeSpan.FromSeconds(30)));
            Assert.True(started == listening.Task, "the published gateway did not start listening:\n" + gateway.Output);
            using var client = new HttpClient { BaseAddress = new Uri(await listening.Task), Timeout = TimeSpan.FromSeconds(10) };
            using var health = await client.GetAsync("/healthz");
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    /// <summary>COPY from the build context: a folder's contents or a file, minus what .dockerignore leaves out.</summary>
    private static void CopyFromContext(string source, string destination, DockerIgnore ignore)
    {
        var from = RepoPaths.Combine(source.TrimEnd('/'));
        if (Directory.Exists(from))
        {
            foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            {
                var relativeToContext = Path.GetRelativePath(RepoPaths.Root, file).Replace('\\', '/');
                if (ignore.IsExcluded(relativeToContext)) continue;
                var target = Path.Combine(destination, Path.GetRelativePath(from, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target, overwrite: true);
            }
            return;
        }
        Assert.True(File.Exists(from), $"COPY {source}: not in the build context");
        Assert.False(ignore.IsExcluded(source), $"COPY {source}: excluded by .dockerignore");
        // "dest/" (or several sources) means into that folder.
        Directory.CreateDirectory(destination);
        File.Copy(from, Path.Combine(destination, Path.GetFileName(from)), overwrite: true);
    }
}
