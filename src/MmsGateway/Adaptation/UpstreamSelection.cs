using MmsGateway.Asf;
using MmsGateway.Asf.Objects;
using MmsGateway.Mms.Client;

namespace MmsGateway.Adaptation;

/// <summary>
/// Which streams to take upstream at connect (docs/protocol/selection.md#s5.4, docs/protocol/asf.md#s4.11): audio first (the best that fits), then
/// from each mutual-exclusion group the best stream that fits what is left of <c>maxBitrate</c> (the lowest when
/// none fits), plus every stream in no group. Without a cap, everything in no group and the best of each group.
/// Every stream is listed, unwanted ones at thinning level 2, as vlc and libmms do.
/// </summary>
public static class UpstreamSelection
{
    public static IReadOnlyList<StreamSelection> Choose(AsfHeader header, long? maxBitrate)
    {
        var budget = maxBitrate is > 0 ? maxBitrate.Value : long.MaxValue;
        var chosen = new HashSet<int>();
        var groups = header.MutualExclusions.Select(m => m.StreamNumbers.Where(n => header.FindStream(n) is not null).ToList())
            .Where(g => g.Count > 0).ToList();
        var grouped = groups.SelectMany(g => g).ToHashSet();
        long Bitrate(int n) => header.DeclaredBitrate(n)?.Bitrate ?? 0;

        // Streams in no group (single audio, script commands, a single video) are always taken; audio first.
        foreach (var s in header.Streams.Where(s => !grouped.Contains(s.StreamNumber)).OrderBy(s => s.Type == AsfStreamType.Audio ? 0 : 1))
        {
            chosen.Add(s.StreamNumber);
            budget -= Bitrate(s.StreamNumber);
        }
        // Audio groups before video groups, so audio is never the one squeezed out.
        foreach (var group in groups.OrderBy(g => header.FindStream(g[0])!.Type == AsfStreamType.Audio ? 0 : 1))
        {
            var byRate = group.OrderByDescending(Bitrate).ToList();
            var pick = byRate.FirstOrDefault(n => Bitrate(n) <= budget, byRate[^1]);
            chosen.Add(pick);
            budget -= Bitrate(pick);
        }
        return header.Streams.Select(s => new StreamSelection(s.StreamNumber, chosen.Contains(s.StreamNumber) ? 0 : 2)).ToList();
    }

    public static AsfStreamSet Selected(IEnumerable<StreamSelection> selection) =>
        AsfStreamSet.Of(selection.Where(s => s.ThinningLevel < 2).Select(s => s.StreamNumber));
}
