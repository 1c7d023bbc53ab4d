using Microsoft.Extensions.Logging;

namespace Loco.Cluster.Hosting;

/// <summary>How the cluster's processes log: Orleans and Loco.Cluster through Microsoft.Extensions.Logging to standard error.</summary>
public static class Logs
{
    /// <summary>One line per event on standard error, at <paramref name="level"/> and above.</summary>
    public static void Configure(ILoggingBuilder logging, LogLevel level)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(level);
        // The silo's start-up notes (server GC advice) are not the user's concern.
        logging.AddFilter("Orleans.Runtime.Silo", level > LogLevel.Error ? level : LogLevel.Error);
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    }
}
