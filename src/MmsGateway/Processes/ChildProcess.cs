using System.ComponentModel;
using System.Diagnostics;

namespace MmsGateway.Processes;

/// <summary>The program of a <see cref="ChildProcess"/> could not be started (not found, not executable).</summary>
public sealed class ChildProcessStartException(string fileName, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public string FileName { get; } = fileName;
}

/// <summary>
/// One external program run by the gateway (ffmpeg), over <see cref="Process"/>: standard input and output are
/// raw byte streams for the caller, standard error is read line by line and handed to a callback (the log), and
/// stopping it closes its input, waits a short grace period, kills the whole process tree and waits for the exit
/// so the child is reaped. Never leaves a process behind: disposal stops it too.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task _stderr;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _stopping;

    private ChildProcess(Process process, Action<string> standardErrorLine)
    {
        _process = process;
        Id = process.Id;
        _stderr = Task.Run(() => ReadStandardErrorAsync(process.StandardError, standardErrorLine));
        _ = WatchExitAsync();
    }

    /// <summary>Operating-system process id.</summary>
    public int Id { get; }

    public string FileName => _process.StartInfo.FileName;

    /// <summary>The program's standard input; closing it tells the program that its input ended.</summary>
    public Stream StandardInput => _process.StandardInput.BaseStream;

    /// <summary>The program's standard output as bytes.</summary>
    public Stream StandardOutput => _process.StandardOutput.BaseStream;

    /// <summary>Completes with the exit code once the program has exited and its standard error has been read.</summary>
    public Task<int> Exited => _exited.Task;

    public bool HasExited => _exited.Task.IsCompleted;

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
    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, Action<string> standardErrorLine,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) psi.Environment[key] = value;
        var process = new Process { StartInfo = psi };
        try
        {
            if (!process.Start()) throw new ChildProcessStartException(fileName, $"'{fileName}' did not start");
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            throw new ChildProcessStartException(fileName, $"'{fileName}' cannot be run: {e.Message}", e);
        }
        return new ChildProcess(process, standardErrorLine);
    }

    private static async Task ReadStandardErrorAsync(StreamReader reader, Action<string> sink)
    {
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                if (line.Length > 0) sink(line.Length > 2000 ? line[..2000] : line);
            }
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task WatchExitAsync()
    {
        await _process.WaitForExitAsync().ConfigureAwait(false);
        await _stderr.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _exited.TrySetResult(_process.ExitCode);
    }

    /// <summary>
    /// Ends the program: closes its standard input, gives it <paramref name="grace"/> to exit by itself, then kills
    /// it (with its children) and waits until it has exited. Returns the exit code. Safe to call more than once.
    /// </summary>
    public async Task<int> StopAsync(TimeSpan grace)
    {
        if (Interlocked.Exchange(ref _stopping, 1) == 0)
        {
            try
            {
                _process.StandardInput.Close();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
            }
            if (grace > TimeSpan.Zero)
                await ((Task)_exited.Task).WaitAsync(grace).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (!_exited.Task.IsCompleted)
            {
                try
                {
                    _process.Kill(entireProcessTree: true);
                }
                catch (Exception e) when (e is InvalidOperationException or Win32Exception or NotSupportedException)
                {
                }
            }
        }
        return await _exited.Task.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero).ConfigureAwait(false);
        _process.Dispose();
    }
}
