namespace Loco.Core.Family;

/// <summary>
/// The checks of a user's values, each throwing <see cref="InvalidInputException"/> that names the flag and returning
/// the value when it is good, so that a property can check what it is given: <c>init => field = AtLeastOne(…)</c>.
/// </summary>
public static class InputChecks
{
    /// <summary><paramref name="value"/> when positive and finite.</summary>
    public static double PositiveFinite(double value, string flag, string what) =>
        double.IsFinite(value) && value > 0 ? value : throw new InvalidInputException(flag, $"the {what} must be a positive finite number (got {value}).");

    /// <summary><paramref name="value"/> when non-negative and finite.</summary>
    public static double NonNegativeFinite(double value, string flag, string what) =>
        double.IsFinite(value) && value >= 0 ? value : throw new InvalidInputException(flag, $"the {what} must be a non-negative finite number (got {value}).");

    /// <summary><paramref name="value"/> when at least 1.</summary>
    public static int AtLeastOne(int value, string flag, string what) =>
        value >= 1 ? value : throw new InvalidInputException(flag, $"the {what} must be at least 1 (got {value}).");

    /// <summary><paramref name="value"/> when at least 1.</summary>
    public static long AtLeastOne(long value, string flag, string what) =>
        value >= 1 ? value : throw new InvalidInputException(flag, $"the {what} must be at least 1 (got {value}).");

    /// <summary><paramref name="value"/> when in [0, 1).</summary>
    public static double UnitInterval(double value, string flag, string what) =>
        double.IsFinite(value) && value >= 0 && value < 1 ? value : throw new InvalidInputException(flag, $"the {what} must lie in [0, 1) (got {value}).");
}
