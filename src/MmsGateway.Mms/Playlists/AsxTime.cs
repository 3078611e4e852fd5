using System.Globalization;

namespace MmsGateway.Mms.Playlists;

/// <summary>
/// STARTTIME / DURATION values: <c>[[hh:]mm:]ss[.fract]</c> (docs/protocol/asx.md#s6.2; the WMP docs show hh:mm:ss.fract).
/// Minutes and seconds above 59 are accepted when they are the leading field ("90" and "90:00" are what they
/// say); a later field above 59 is rejected as a typo rather than guessed at.
/// </summary>
public static class AsxTime
{
    /// <summary>Longest value accepted: 99999 hours, far beyond any clip, and safe from overflow.</summary>
    private const int MaxHours = 99_999;

    public static bool TryParse(string? value, out TimeSpan time)
    {
        time = default;
        if (value is null)
        {
            return false;
        }

        ReadOnlySpan<char> text = value.AsSpan().Trim();
        Span<Range> fields = stackalloc Range[4];
        int count = text.Split(fields, ':');
        if (count is < 1 or > 3)
        {
            return false;
        }

        ReadOnlySpan<char> secondsField = text[fields[count - 1]];
        int dot = secondsField.IndexOf('.');
        ReadOnlySpan<char> fraction = dot >= 0 ? secondsField[(dot + 1)..] : [];
        if (dot >= 0)
        {
            secondsField = secondsField[..dot];
        }

        long ticks = 0;
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<char> field = i == count - 1 ? secondsField : text[fields[i]];
            long max = i == 0 ? MaxHours * 3600L : 59;
            if (!TryParseField(field, max, out long number))
            {
                return false;
            }

            ticks = (ticks * 60) + number; // hours -> minutes -> seconds
        }

        if (ticks > MaxHours * 3600L)
        {
            return false;
        }

        ticks *= TimeSpan.TicksPerSecond;
        if (!TryParseFraction(fraction, dot >= 0, out long fractionTicks))
        {
            return false;
        }

        time = TimeSpan.FromTicks(ticks + fractionTicks);
        return true;
    }

    private static bool TryParseField(ReadOnlySpan<char> field, long max, out long number)
    {
        number = 0;
        field = field.Trim();
        if (field.IsEmpty || field.Length > 10 || field.ContainsAnyExceptInRange('0', '9'))
        {
            return false;
        }

        return long.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out number) && number <= max;
    }

    /// <summary>Up to 7 digits (100 ns ticks) are used; more are ignored.</summary>
    private static bool TryParseFraction(ReadOnlySpan<char> fraction, bool present, out long ticks)
    {
        ticks = 0;
        if (!present)
        {
            return true;
        }

        if (fraction.IsEmpty || fraction.ContainsAnyExceptInRange('0', '9'))
        {
            return false;
        }

        ReadOnlySpan<char> digits = fraction[..Math.Min(fraction.Length, 7)];
        for (int i = 0; i < 7; i++)
        {
            ticks = (ticks * 10) + (i < digits.Length ? digits[i] - '0' : 0);
        }

        return true;
    }
}
