namespace MmsGateway.Asf;

/// <summary>
/// The ASF GUIDs a streamer needs (docs/protocol/asf.md#s4.2). <see cref="Guid"/>'s byte layout (Data1..3 little-endian,
/// Data4 as written) is exactly ASF's, so these compare directly against bytes read with <c>new Guid(span)</c>.
/// </summary>
public static class AsfGuids
{
    // Top-level objects.
    public static readonly Guid Header = new("75B22630-668E-11CF-A6D9-00AA0062CE6C");
    public static readonly Guid Data = new("75B22636-668E-11CF-A6D9-00AA0062CE6C");
    public static readonly Guid SimpleIndex = new("33000890-E5B1-11CF-89F4-00A0C90349CB");
    public static readonly Guid Index = new("D6E229D3-35DA-11D1-9034-00A0C90349BE");
    public static readonly Guid MediaObjectIndex = new("FEB103F8-12AD-4C64-840F-2A1D2F7AD48C");
    public static readonly Guid TimecodeIndex = new("3CB73FD0-0C4A-4803-953D-EDF7B6228F0C");

    // Header objects.
    public static readonly Guid FileProperties = new("8CABDCA1-A947-11CF-8EE4-00C00C205365");
    public static readonly Guid StreamProperties = new("B7DC0791-A9B7-11CF-8EE6-00C00C205365");
    public static readonly Guid HeaderExtension = new("5FBF03B5-A92E-11CF-8EE3-00C00C205365");
    public static readonly Guid CodecList = new("86D15240-311D-11D0-A3A4-00A0C90348F6");
    public static readonly Guid ScriptCommand = new("1EFB1A30-0B62-11D0-A39B-00A0C90348F6");
    public static readonly Guid Marker = new("F487CD01-A951-11CF-8EE6-00C00C205365");
    public static readonly Guid BitrateMutualExclusion = new("D6E229DC-35DA-11D1-9034-00A0C90349BE");
    public static readonly Guid ErrorCorrection = new("75B22635-668E-11CF-A6D9-00AA0062CE6C");
    public static readonly Guid ContentDescription = new("75B22633-668E-11CF-A6D9-00AA0062CE6C");
    public static readonly Guid ExtendedContentDescription = new("D2D0A440-E307-11D2-97F0-00A0C95EA850");
    public static readonly Guid ContentBranding = new("2211B3FA-BD23-11D2-B4B7-00A0C955FC6E");
    public static readonly Guid StreamBitrateProperties = new("7BF875CE-468D-11D1-8D82-006097C9A2B2");
    public static readonly Guid ContentEncryption = new("2211B3FB-BD23-11D2-B4B7-00A0C955FC6E");
    public static readonly Guid ExtendedContentEncryption = new("298AE614-2622-4C17-B935-DAE07EE9289C");
    public static readonly Guid DigitalSignature = new("2211B3FC-BD23-11D2-B4B7-00A0C955FC6E");
    public static readonly Guid Padding = new("1806D474-CADF-4509-A4BA-9AABCB96AAE8");

    // Header Extension objects.
    public static readonly Guid ExtendedStreamProperties = new("14E6A5CB-C672-4332-8399-A96952065B5A");
    public static readonly Guid AdvancedMutualExclusion = new("A08649CF-4775-4670-8A16-6E35357566CD");
    public static readonly Guid GroupMutualExclusion = new("D1465A40-5A79-4338-B71B-E36B8FD6C249");
    public static readonly Guid StreamPrioritization = new("D4FED15B-88D3-454F-81F0-ED5C45999E24");
    public static readonly Guid BandwidthSharing = new("A69609E6-517B-11D2-B6AF-00C04FD908E9");
    public static readonly Guid LanguageList = new("7C4346A9-EFE0-4BFC-B229-393EDE415C85");
    public static readonly Guid Metadata = new("C5F8CBEA-5BAF-4877-8467-AA8C44FA4CCA");
    public static readonly Guid MetadataLibrary = new("44231C94-9498-49D1-A141-1D134E457054");
    public static readonly Guid IndexParameters = new("D6E229DF-35DA-11D1-9034-00A0C90349BE");
    public static readonly Guid Compatibility = new("26F18B5D-4584-47EC-9F5F-0E651F0452C9");
    public static readonly Guid AdvancedContentEncryption = new("43058533-6981-49E6-9B74-AD12CB86D58C");

    // Stream types (Stream Properties, offset 24).
    public static readonly Guid AudioMedia = new("F8699E40-5B4D-11CF-A8FD-00805F5C442B");
    public static readonly Guid VideoMedia = new("BC19EFC0-5B4D-11CF-A8FD-00805F5C442B");
    public static readonly Guid CommandMedia = new("59DACFC0-59E6-11D0-A3AC-00A0C90348F6");
    public static readonly Guid JfifMedia = new("B61BE100-5B4E-11CF-A8FD-00805F5C442B");
    public static readonly Guid DegradableJpegMedia = new("35907DE0-E415-11CF-A917-00805F5C442B");
    public static readonly Guid FileTransferMedia = new("91BD222C-F21C-497A-8B6D-5AA86BFC0185");
    public static readonly Guid BinaryMedia = new("3AFB65E2-47EF-40F2-AC2C-70A90D71D343");

    // Error correction types.
    public static readonly Guid NoErrorCorrection = new("20FB5700-5B55-11CF-A8FD-00805F5C442B");
    public static readonly Guid AudioSpread = new("BFC3CD50-618F-11CF-8BB2-00AA00B4E220");

    // Fixed reserved fields.
    public static readonly Guid HeaderExtensionReserved1 = new("ABD3D211-A9BA-11CF-8EE6-00C00C205365");
    public static readonly Guid CodecListReserved2 = new("86D15241-311D-11D0-A3A4-00A0C90348F6");

    // Mutual exclusion types.
    public static readonly Guid MutexLanguage = new("D6E22A00-35DA-11D1-9034-00A0C90349BE");
    public static readonly Guid MutexBitrate = new("D6E22A01-35DA-11D1-9034-00A0C90349BE");
    public static readonly Guid MutexUnknown = new("D6E22A02-35DA-11D1-9034-00A0C90349BE");

    // Bandwidth sharing types.
    public static readonly Guid BandwidthSharingExclusive = new("AF6060AA-5197-11D2-B6AF-00C04FD908E9");
    public static readonly Guid BandwidthSharingPartial = new("AF6060AB-5197-11D2-B6AF-00C04FD908E9");

    /// <summary>A readable name for an object GUID, for error messages and probe output.</summary>
    public static string NameOf(Guid guid)
    {
        foreach (var (g, name) in Names)
            if (g == guid) return name;
        return guid.ToString("D").ToUpperInvariant();
    }

    private static readonly (Guid Guid, string Name)[] Names =
    [
        (Header, "Header"), (Data, "Data"), (SimpleIndex, "Simple Index"), (Index, "Index"),
        (MediaObjectIndex, "Media Object Index"), (TimecodeIndex, "Timecode Index"),
        (FileProperties, "File Properties"), (StreamProperties, "Stream Properties"),
        (HeaderExtension, "Header Extension"), (CodecList, "Codec List"), (ScriptCommand, "Script Command"),
        (Marker, "Marker"), (BitrateMutualExclusion, "Bitrate Mutual Exclusion"), (ErrorCorrection, "Error Correction"),
        (ContentDescription, "Content Description"), (ExtendedContentDescription, "Extended Content Description"),
        (ContentBranding, "Content Branding"), (StreamBitrateProperties, "Stream Bitrate Properties"),
        (ContentEncryption, "Content Encryption"), (ExtendedContentEncryption, "Extended Content Encryption"),
        (DigitalSignature, "Digital Signature"), (Padding, "Padding"),
        (ExtendedStreamProperties, "Extended Stream Properties"), (AdvancedMutualExclusion, "Advanced Mutual Exclusion"),
        (GroupMutualExclusion, "Group Mutual Exclusion"), (StreamPrioritization, "Stream Prioritization"),
        (BandwidthSharing, "Bandwidth Sharing"), (LanguageList, "Language List"), (Metadata, "Metadata"),
        (MetadataLibrary, "Metadata Library"), (IndexParameters, "Index Parameters"), (Compatibility, "Compatibility"),
        (AdvancedContentEncryption, "Advanced Content Encryption"),
    ];
}
