using MmsGateway.Mms.Sessions;

namespace MmsGateway.Mms.Tests.Sessions;

public sealed class SingleReaderGateTests
{
    [Fact]
    public async Task A_second_caller_waits_for_the_first_to_leave()
    {
        var gate = new SingleReaderGate();
        await gate.EnterAsync(this, CancellationToken.None);

        Task second = gate.EnterAsync(this, CancellationToken.None);
        Assert.False(second.IsCompleted);

        gate.Exit();
        await second;
        gate.Exit();
    }

    [Fact]
    public async Task Once_closed_every_caller_fails_as_disposed_and_only_one_closes_it()
    {
        var gate = new SingleReaderGate();
        Assert.True(gate.TryClose());
        Assert.False(gate.TryClose());

        Assert.True(gate.IsClosed);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => gate.EnterAsync(this, CancellationToken.None));
        Assert.Throws<ObjectDisposedException>(() => gate.ThrowIfClosed(this));
    }

    [Fact]
    public async Task A_caller_let_in_after_the_close_sees_it()
    {
        var gate = new SingleReaderGate();
        await gate.EnterAsync(this, CancellationToken.None);
        Task waiting = gate.EnterAsync(this, CancellationToken.None);

        gate.TryClose();
        gate.Exit();
        await waiting;

        Assert.Throws<ObjectDisposedException>(() => gate.ThrowIfClosed(this));
        gate.Exit();
    }

    [Fact]
    public async Task Closing_takes_the_turn_when_the_reader_has_left_and_not_while_it_stays()
    {
        var gate = new SingleReaderGate();
        await gate.EnterAsync(this, CancellationToken.None);
        gate.TryClose();

        Assert.False(await gate.WaitForReaderAsync(TimeSpan.Zero));
        gate.Exit();
        Assert.True(await gate.WaitForReaderAsync(TimeSpan.Zero));
    }

    [Fact]
    public async Task Entering_an_idle_gate_allocates_nothing()
    {
        var gate = new SingleReaderGate();
        await gate.EnterAsync(this, CancellationToken.None);
        gate.Exit();

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            Task entered = gate.EnterAsync(this, CancellationToken.None);
            Assert.True(entered.IsCompletedSuccessfully);
            gate.Exit();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
