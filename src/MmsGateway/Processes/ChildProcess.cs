using System.ComponentModel;
using CliWrap;

namespace MmsGateway.Processes;

/// <summary>The program of a <see cref="ChildProcess"/> could not be started (not found, not executable).</summary>
public sealed class ChildProcessStartException(string fileName, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public string FileName { get; } = fileName;
}

/// <summary>
/// One external program run by the gateway (ffmpeg), as a CliWrap command: the caller's delegates write its
/// standard input and read its standard output as byte streams, standard error is read line by line and handed to
/// a callback (the log), and stopping it ends its input, waits a short grace period, then kills the whole process
/// tree (CliWrap's forceful cancellation) and waits for the exit so the child is reaped. Never leaves a process
/// behind: disposal stops it too.
/// </summary>
/// <remarks>
/// Kept around CliWrap: finding the program on <c>PATH</c> before starting anything (<see cref="Locate"/>, so a
/// missing ffmpeg is an answer naming the setting, not a failed start), a start failure as one sentence, and the
/// stop sequence "close the input, give it time, then kill": CliWrap's graceful cancellation sends SIGINT instead,
/// and its forceful cancellation reports no exit code, so a killed program reports 137 (128 + SIGKILL) as the
/// runtime itself does.
/// </remarks>
public sealed class ChildProcess : IAsyncDisposable
{
    /// <summary>The exit code reported for a program that had to be killed (128 + SIGKILL, as a shell reports it).</summary>
    public const int KilledExitCode = 137;

    private const int MaxLineLength = 2000;

    private readonly CancellationTokenSource _endInput = new();
    private readonly CancellationTokenSource _kill = new();
    private readonly TaskCompletionSource _input = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _output = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task<int> _exited = null!;
    private int _stopping;

    private ChildProcess(string fileName) => FileName = fileName;

    /// <summary>Operating-system process id.</summary>
    public int Id { get; private set; }

    public string FileName { get; }

    /// <summary>Completes when the standard input delegate has returned (faulted if it threw); the input is then closed.</summary>
    public Task Input => _input.Task;

    /// <summary>Completes when the standard output delegate has returned (faulted if it threw).</summary>
    public Task Output => _output.Task;

    /// <summary>
    /// Completes with the exit code (<see cref="KilledExitCode"/> when killed) once the program has exited and its
    /// standard output and error have been read.
    /// </summary>
    public Task<int> Exited => _exited;

    public bool HasExited => _exited.IsCompleted;

    /// <summary>
    /// The file <paramref name="fileName"/> names: itself when it contains a directory, else the first executable
    /// file of that name on <c>PATH</c>. Null when there is none, so a caller can say so before starting anything.
    /// </summary>
    public static string? Locate(string fileName)
    {
        if (string.IsNullOrWhiteSpace(fileName)) return null;
        if (fileName.Contains('/', StringComparison.Ordinal) || fileName.Contains('\\', StringComparison.Ordinal))
            return IsExecutable(fileName) ? Path.GetFullPath(fileName) : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, fileName);
            if (IsExecutable(candidate)) return candidate;
            if (OperatingSystem.IsWindows() && IsExecutable(candidate + ".exe")) return candidate + ".exe";
        }
        return null;
    }

    private static bool IsExecutable(string path)
    {
        if (!File.Exists(path)) return false;
        if (OperatingSystem.IsWindows()) return true;
        return (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
    }

    /// <summary>
    /// Starts <paramref name="fileName"/> (a path, or a name looked up on <c>PATH</c>), with
    /// <paramref name="environment"/> added to this process's. Throws <see cref="ChildProcessStartException"/> with
    /// one clear sentence when it cannot be started.
    /// </summary>
    /// <param name="standardInput">
    /// Writes the program's input; when it returns, the input is closed. Its token is cancelled when the program is
    /// stopped or has exited. Null: the input is closed at once.
    /// </param>
    /// <param name="standardOutput">Reads the program's output to its end. Null: the output is discarded.</param>
    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, Action<string> standardErrorLine,
        Func<Stream, CancellationToken, Task>? standardInput = null, Func<Stream, CancellationToken, Task>? standardOutput = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(standardErrorLine);
        var process = new ChildProcess(fileName);
        var command = CliWrap.Cli.Wrap(fileName)
            .WithArguments(arguments)
            .WithValidation(CommandResultValidation.None)
            .WithStandardInputPipe(standardInput is null ? PipeSource.Null : PipeSource.Create(process.InputAsync(standardInput)))
            .WithStandardOutputPipe(standardOutput is null ? PipeTarget.Null : PipeTarget.Create(process.OutputAsync(standardOutput)))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(line =>
            {
                if (line.Length > 0) standardErrorLine(line.Length > MaxLineLength ? line[..MaxLineLength] : line);
            }));
        if (environment is { Count: > 0 })
            command = command.WithEnvironmentVariables(environment.ToDictionary(e => e.Key, e => (string?)e.Value, StringComparer.Ordinal));
        if (standardInput is null) process._input.TrySetResult();
        if (standardOutput is null) process._output.TrySetResult();

        CommandTask<CommandResult> running;
        try
        {
            running = command.ExecuteAsync(process._kill.Token);
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException)
        {
            // CliWrap wraps the runtime's reason ("No such file or directory", "Permission denied") in a sentence of
            // its own; the inner one is the short answer.
            process.DisposeTokens();
            throw new ChildProcessStartException(fileName, $"'{fileName}' cannot be run: {(e.InnerException ?? e).Message}", e);
        }
        process.Id = running.ProcessId;
        process._exited = process.ExitCodeAsync(running.Task);
        return process;
    }

    private Func<Stream, CancellationToken, Task> InputAsync(Func<Stream, CancellationToken, Task> write) => async (stdin, ct) =>
    {
        // CliWrap cancels its token when the program exits or is killed; ours ends the input on StopAsync.
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _endInput.Token);
        try
        {
            await write(stdin, linked.Token).ConfigureAwait(false);
            _input.TrySetResult();
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            _input.TrySetResult();
        }
        catch (Exception e)
        {
            // Kept for the caller (Input) instead of failing the command: its outcome is the program's exit.
            _input.TrySetException(e);
        }
    };

    private Func<Stream, CancellationToken, Task> OutputAsync(Func<Stream, CancellationToken, Task> read) => async (stdout, ct) =>
    {
        try
        {
            await read(stdout, ct).ConfigureAwait(false);
            _output.TrySetResult();
        }
        catch (OperationCanceledException e)
        {
            _output.TrySetCanceled(e.CancellationToken);
        }
        catch (Exception e)
        {
            // The output is closed when this returns: a program still writing gets a broken pipe and ends.
            _output.TrySetException(e);
        }
    };

    private async Task<int> ExitCodeAsync(Task<CommandResult> running)
    {
        try
        {
            return (await running.ConfigureAwait(false)).ExitCode;
        }
        catch (OperationCanceledException) when (_kill.IsCancellationRequested)
        {
            return KilledExitCode;
        }
        catch (TimeoutException)
        {
            // CliWrap gave up waiting 3 s after the kill; nothing more can be done for it here.
            return KilledExitCode;
        }
        finally
        {
            _input.TrySetResult();
            _output.TrySetResult();
        }
    }

    /// <summary>
    /// Ends the program: closes its standard input, gives it <paramref name="grace"/> to exit by itself, then kills
    /// it (with its children) and waits until it has exited. Returns the exit code. Safe to call more than once.
    /// </summary>
    public async Task<int> StopAsync(TimeSpan grace)
    {
        if (Interlocked.Exchange(ref _stopping, 1) == 0)
        {
            await _endInput.CancelAsync().ConfigureAwait(false);
            if (grace > TimeSpan.Zero)
                await ((Task)_exited).WaitAsync(grace).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (!_exited.IsCompleted) await _kill.CancelAsync().ConfigureAwait(false);
        }
        return await _exited.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero).ConfigureAwait(false);
        DisposeTokens();
    }

    private void DisposeTokens()
    {
        _endInput.Dispose();
        _kill.Dispose();
    }
}
