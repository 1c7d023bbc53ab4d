namespace Loco.Reports.Html;

/// <summary>How a report entry's verdict badge is coloured.</summary>
public enum ReportTone
{
    /// <summary>Green: the claim held.</summary>
    Good,

    /// <summary>Amber: it held under conditions.</summary>
    Partial,

    /// <summary>Red: it did not hold, or the run failed.</summary>
    Bad,

    /// <summary>Grey: not testable, or no verdict.</summary>
    Neutral,
}
