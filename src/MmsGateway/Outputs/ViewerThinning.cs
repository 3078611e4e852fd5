using MmsGateway.Asf.Selection;

namespace MmsGateway.Outputs;

/// <summary>
/// How much of a lagging live viewer's video is kept, by how much of the ring it has not read yet: past half the ring
/// only video key frames, past three quarters no video; a viewer a whole ring behind is ended by the hub.
/// </summary>
public static class ViewerThinning
{
    /// <summary>
    /// The level for a viewer <paramref name="lag"/> packets behind in a ring of <paramref name="capacity"/>, with
    /// hysteresis: a thinned viewer stays thinned until it is back within a quarter of the ring, so it does not flap.
    /// </summary>
    public static ThinningLevel Level(ThinningLevel current, long lag, int capacity) =>
        lag > capacity * 3 / 4 ? ThinningLevel.Off
        : lag > capacity / 2 ? ThinningLevel.KeyFramesOnly
        : current != ThinningLevel.Full && lag > capacity / 4 ? current
        : ThinningLevel.Full;
}
