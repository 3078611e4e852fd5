using System.Diagnostics;
using System.Text;

namespace MmsGateway.Tests.Observability;

/// <summary>The outcome of a finished external program.</summary>
internal sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError, bool TimedOut)
{
    public override string ToString() =>
        $"exit {ExitCode}{(TimedOut ? " (timed out)" : "")}\nstdout: {StandardOutput}\nstderr: {StandardError}";
}

/// <summary>
/// Runs promtool, helm, prometheus and dotnet for the observability and deployment tests: with a deadline, standard
/// input when given (promtool check metrics reads the scrape from it), and the whole process tree killed on time-out.
/// </summary>
internal static class ExternalProcess
{
    public static async Task<ProcessResult> RunAsync(
        string fileName, IEnumerable<string> arguments, TimeSpan timeout, string? standardInput = null,
        string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var argument in arguments) psi.ArgumentList.Add(argument);
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            // null removes a variable inherited from the test host.
            if (value is null) psi.Environment.Remove(key);
            else psi.Environment[key] = value;
        }
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            if (standardInput is not null) await process.StandardInput.WriteAsync(standardInput);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The program exited without reading all of its input: its exit code and output tell why.
        }
        using var cts = new CancellationTokenSource(timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            timedOut = true;
            Kill(process);
            await process.WaitForExitAsync(CancellationToken.None);
        }
        return new ProcessResult(process.ExitCode, await stdout, await stderr, timedOut);
    }

    public static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited in between.
        }
    }
}

/// <summary>A long-running program (Prometheus, the gateway) killed with its children on dispose; output kept for messages.</summary>
internal sealed class BackgroundProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _outputLock = new();

    private BackgroundProcess(Process process) => _process = process;

    public event Action<string>? LineReceived;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_outputLock) return _output.ToString();
        }
    }

    public static BackgroundProcess Start(string fileName, IEnumerable<string> arguments, Action<string>? onLine = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) psi.ArgumentList.Add(argument);
        var process = new Process { StartInfo = psi };
        var background = new BackgroundProcess(process);
        if (onLine is not null) background.LineReceived += onLine;
        process.OutputDataReceived += (_, e) => background.Append(e.Data);
        process.ErrorDataReceived += (_, e) => background.Append(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return background;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_outputLock)
        {
            // Keep the start of the output and at most 256 KiB: enough for an assertion message.
            if (_output.Length < 256 * 1024) _output.AppendLine(line);
        }
        LineReceived?.Invoke(line);
    }

    public async ValueTask DisposeAsync()
    {
        ExternalProcess.Kill(_process);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            // Unkillable within 10 s: leave it rather than hang the test run.
        }
        _process.Dispose();
    }
}
