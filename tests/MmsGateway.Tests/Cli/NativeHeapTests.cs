using System.Runtime.InteropServices;
using MmsGateway.Cli;

namespace MmsGateway.Tests.Cli;

public class NativeHeapTests
{
    /// <summary>
    /// glibc's chunk header sits just before the block: bit 1 of its size field (IS_MMAPPED) says the block is a mapping
    /// of its own, which <c>free</c> unmaps.
    /// </summary>
    private static bool IsMappedOnItsOwn(nint block) => (Marshal.ReadInt64(block, -8) & 2) != 0;

    [Fact]
    public void After_the_tuning_blocks_of_64_KB_the_arena_has_no_room_for_become_mappings_of_their_own()
    {
        Assert.True(NativeHeap.ReturnLargeBlocksToTheSystem(), "mallopt(M_MMAP_THRESHOLD) was not applied");
        // The test host's arena may have free room for some blocks (those come from it); not for 16 MB of them. Under
        // glibc's default threshold (128 KB) none of them would be a mapping of its own.
        var pages = new nint[256];
        var small = Marshal.AllocHGlobal(NativeHeap.MmapThreshold / 2);
        try
        {
            for (var i = 0; i < pages.Length; i++) pages[i] = Marshal.AllocHGlobal(NativeHeap.MmapThreshold);
            Assert.Contains(pages, IsMappedOnItsOwn);
            // The probe tells the two apart: a block under the threshold always comes from the arena.
            Assert.False(IsMappedOnItsOwn(small), "a 32 KB block was mapped on its own");
        }
        finally
        {
            foreach (var page in pages.Where(p => p != 0)) Marshal.FreeHGlobal(page);
            Marshal.FreeHGlobal(small);
        }
    }

    [Theory]
    [InlineData(null, null, false)]
    [InlineData(null, "glibc.malloc.arena_max=2", false)]
    [InlineData("131072", null, true)]
    [InlineData(null, "glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=262144", true)]
    public void An_operators_threshold_stands(string? mallocMmapThreshold, string? glibcTunables, bool chosen) =>
        Assert.Equal(chosen, NativeHeap.OperatorChoseThreshold(mallocMmapThreshold, glibcTunables));
}
