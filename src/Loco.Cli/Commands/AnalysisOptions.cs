using System.CommandLine;
using System.Globalization;
using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Core.Problems;
using Loco.Theory.Analysis;

namespace Loco.Cli.Commands;

/// <summary>
/// The flags shared by <c>loco spectrum</c>, <c>loco stability</c> and <c>loco contraction</c>: the inner SGD
/// (η, H) that turns λ into μ = 1 − (1 − ηλ)^H, and the outer step. Values are resolved and validated by
/// <see cref="FamilySettings"/>, with the same defaults as <c>loco simulate</c>.
/// </summary>
internal sealed class AnalysisOptions
{
    public Option<double?> InnerLr { get; } = Options.Double("--inner-lr", "η, the inner SGD learning rate (> 0). Default: 0.5.");

    public Option<int?> InnerSteps { get; } = Options.Int("--inner-steps", "H, inner SGD steps per round (≥ 1). Default: 8.");

    public Option<double?> OuterLr { get; } = Options.Double("--outer-lr", "α, the outer learning rate (> 0); ν in the EMA form. Default: 1.");

    public Option<double?> OuterMomentum { get; } = Options.Double("--outer-momentum", "β, the outer momentum, in [0, 1). Default: 0 (0.9 with heavy-ball or nesterov).");

    public Option<string?> Outer { get; } = Options.Text("--outer", $"Outer step: plain, heavy-ball, nesterov. {Options.OuterKindDefault}.");

    public Option<string?> OuterForm { get; } = Options.Text("--outer-form", Options.OuterFormDescription);

    public Option<int?> RestartPeriod { get; } = Options.Int("--restart-period", "K, reset the outer momentum every K rounds (0 = never); with K > 0 the restart factor c_K is reported too. Default: 0.");

    public ProblemOptions Problem { get; } = new();

    /// <summary>The problem's eigenvalues, η, H and μ.</summary>
    public (LinearRegressionProblem Problem, double InnerLr, int InnerSteps, double[] Mu) ReadSpectrum(ParseResult r, FamilyConfig config)
    {
        LinearRegressionProblem problem = Problem.Read(r);
        return (problem, config.InnerLr, config.InnerSteps, EffectiveSpectrum.Compute(problem.Lambda, config.InnerLr, config.InnerSteps));
    }

    /// <summary>The validated settings, with the defaults of <c>loco simulate</c> unless overridden here.</summary>
    public FamilyConfig ReadConfig(ParseResult r, OuterKind? defaultKind = null, int? defaultRestart = null, bool withOuterValues = true)
    {
        double? momentum = withOuterValues ? r.GetValue(OuterMomentum) : null;
        OuterKind? kind = Options.Choice(r.GetValue(Outer), "--outer", Options.OuterKinds) ?? defaultKind;
        bool plain = kind == OuterKind.Plain || (kind is null && momentum is not > 0);
        var settings = new FamilySettings
        {
            InnerLr = r.GetValue(InnerLr),
            InnerSteps = r.GetValue(InnerSteps),
            OuterLr = withOuterValues ? r.GetValue(OuterLr) : null,
            OuterMomentum = momentum,
            OuterKind = kind,
            // The form's default (pytorch) is every command's; the command's own restart default applies to steps with momentum only.
            OuterForm = Options.Choice(r.GetValue(OuterForm), "--outer-form", Options.OuterForms),
            RestartPeriod = r.GetValue(RestartPeriod) ?? (plain ? null : defaultRestart),
        };
        return settings.Resolve();
    }

    /// <summary>The common options, for adding to a command.</summary>
    public IEnumerable<Option> Common(bool withOuterValues = true, bool withRestart = true)
    {
        var options = new List<Option> { InnerLr, InnerSteps, Outer, OuterForm };
        if (withOuterValues)
        {
            options.AddRange([OuterLr, OuterMomentum]);
        }

        if (withRestart)
        {
            options.Add(RestartPeriod);
        }

        return options.Concat(Problem.All);
    }

    /// <summary>A comma-separated list of numbers, each checked by <paramref name="valid"/>.</summary>
    public static double[] Numbers(string? text, string flag, double[] fallback, Func<double, bool> valid, string rule)
    {
        if (text is null)
        {
            return fallback;
        }

        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !valid(values[i]))
            {
                throw new InvalidInputException(flag, $"'{parts[i]}' is not {rule} (give a comma-separated list, e.g. 0.1,0.5,0.9).");
            }
        }

        return values;
    }

    /// <summary>A comma-separated list of whole numbers ≥ <paramref name="min"/>.</summary>
    public static int[] Integers(string? text, string flag, int[] fallback, int min)
    {
        if (text is null)
        {
            return fallback;
        }

        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out values[i]) || values[i] < min)
            {
                throw new InvalidInputException(flag, $"'{parts[i]}' is not a whole number ≥ {min} (give a comma-separated list, e.g. 1,2,3).");
            }
        }

        return values;
    }

    public static string G(double value, string format = "G4") => value.ToString(format, CultureInfo.InvariantCulture);
}
