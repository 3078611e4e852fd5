namespace MmsGateway.Mms.Client;

/// <summary>
/// One stream to take upstream and its thinning level (docs/protocol/selection.md#s5.1, MS-MMSP 2.2.4.28.1): 0 = every payload,
/// 1 = key-frame payloads only, 2 = off. Streams of the header that a selection does not name are switched off.
/// </summary>
public readonly record struct StreamSelection(int StreamNumber, int ThinningLevel)
{
    public const int Full = 0;
    public const int KeyFramesOnly = 1;
    public const int Off = 2;

    public static StreamSelection On(int streamNumber) => new(streamNumber, Full);
}
