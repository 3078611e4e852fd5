using System.Globalization;

namespace MmsGateway.Mms.Tests;

/// <summary>Turns the hex dumps of docs/protocol/README.md (with or without "0000:" offsets) into bytes.</summary>
internal static class Hex
{
    public static byte[] Parse(string dump)
    {
        var bytes = new List<byte>();
        foreach (string rawLine in dump.Split('\n'))
        {
            string line = rawLine.Trim();
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0)
            {
                line = line[(colon + 1)..];
            }

            foreach (string token in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (token == "|")
                {
                    continue;
                }

                bytes.Add(byte.Parse(token, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            }
        }

        return [.. bytes];
    }
}
