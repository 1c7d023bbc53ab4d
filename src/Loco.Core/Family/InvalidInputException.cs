namespace Loco.Core.Family;

/// <summary>
/// A value the user gave is not acceptable. <see cref="Subject"/> names what was wrong (a flag such as
/// <c>--inner-lr</c>, or a file and line), so a front end can print one clear line and exit with code 2.
/// </summary>
public sealed class InvalidInputException(string subject, string problem) : Exception($"{subject}: {problem}")
{
    /// <summary>The flag, option or file (with line) that holds the bad value.</summary>
    public string Subject { get; } = subject;

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; } = problem;
}
