namespace Loco.Core.Optimizers;

/// <summary>
/// The one spelling of each optimizer kind and form, as used in flags, CSV columns, JSON, checkpoints and
/// descriptions: <c>plain</c>, <c>heavy-ball</c>, <c>nesterov</c>; <c>pytorch</c>, <c>ema</c>; <c>sgd</c>,
/// <c>momentum</c>, <c>nesterov</c>, <c>adamw</c>.
/// </summary>
public static class OuterNames
{
    /// <summary>Names of <see cref="OuterKind"/>, in declaration order.</summary>
    public static IReadOnlyList<string> Kinds { get; } = ["plain", "heavy-ball", "nesterov"];

    /// <summary>Names of <see cref="OuterForm"/>, in declaration order.</summary>
    public static IReadOnlyList<string> Forms { get; } = ["pytorch", "ema"];

    /// <summary>Names of <see cref="InnerKind"/>, in declaration order.</summary>
    public static IReadOnlyList<string> InnerKinds { get; } = ["sgd", "momentum", "nesterov", "adamw"];

    /// <summary>The name of an outer kind.</summary>
    public static string Name(this OuterKind kind) => Kinds[(int)kind];

    /// <summary>The name of an outer form.</summary>
    public static string Name(this OuterForm form) => Forms[(int)form];

    /// <summary>The name of an inner optimizer kind.</summary>
    public static string Name(this InnerKind kind) => InnerKinds[(int)kind];
}
