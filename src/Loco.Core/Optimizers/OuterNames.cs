namespace Loco.Core.Optimizers;

/// <summary>
/// The one home of the optimizer enums' names, as written on the command line, in CSV and JSON files and in settings
/// (<c>--outer none|heavy-ball|nesterov</c>, <c>--outer-form pytorch|ema</c>, <c>--inner sgd|momentum|nesterov|adamw</c>).
/// </summary>
public static class OuterNames
{
    /// <summary>The name of an outer step: <c>none</c> (the plain step), <c>heavy-ball</c> or <c>nesterov</c>.</summary>
    public static string Name(this OuterKind kind) => kind switch
    {
        OuterKind.HeavyBall => "heavy-ball",
        OuterKind.Nesterov => "nesterov",
        _ => "none", // the plain step s ← s − α Δ
    };

    /// <summary>The name of an outer momentum form: <c>pytorch</c> or <c>ema</c>.</summary>
    public static string Name(this OuterForm form) => form == OuterForm.Ema ? "ema" : "pytorch";

    /// <summary>The name of an inner optimizer: <c>sgd</c>, <c>momentum</c>, <c>nesterov</c> or <c>adamw</c>.</summary>
    public static string Name(this InnerKind kind) => kind switch
    {
        InnerKind.Sgd => "sgd",
        InnerKind.Momentum => "momentum",
        InnerKind.Nesterov => "nesterov",
        _ => "adamw",
    };

    /// <summary>Every outer step with its name, in declaration order (the choices of <c>--outer</c>).</summary>
    public static IReadOnlyList<(string Name, OuterKind Value)> OuterKinds { get; } = [.. Enum.GetValues<OuterKind>().Select(k => (k.Name(), k))];

    /// <summary>Every outer form with its name (the choices of <c>--outer-form</c>).</summary>
    public static IReadOnlyList<(string Name, OuterForm Value)> OuterForms { get; } = [.. Enum.GetValues<OuterForm>().Select(f => (f.Name(), f))];

    /// <summary>Every inner optimizer with its name (the choices of <c>--inner</c>).</summary>
    public static IReadOnlyList<(string Name, InnerKind Value)> InnerKinds { get; } = [.. Enum.GetValues<InnerKind>().Select(k => (k.Name(), k))];
}
