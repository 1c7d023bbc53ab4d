using Orleans.Configuration;

namespace Loco.Cluster.Hosting;

/// <summary>The Orleans settings every process of a Loco cluster shares.</summary>
public static class ClusterSettings
{
    /// <summary>The cluster and service id.</summary>
    public const string ClusterId = "loco";

    /// <summary>Largest message body: a chunk (4 MiB) with plenty of room; Orleans' default is 100 MB.</summary>
    public const int MaxMessageBodySize = 128 << 20;

    /// <summary>How long a call may take before it fails (a commit of a large model, an upload on a slow link).</summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Applies the shared settings to messaging options (client or silo).</summary>
    public static void Messaging(MessagingOptions o)
    {
        o.MaxMessageBodySize = MaxMessageBodySize;
        o.ResponseTimeout = ResponseTimeout;
    }

    /// <summary>The cluster's ids.</summary>
    public static void Ids(ClusterOptions o)
    {
        o.ClusterId = ClusterId;
        o.ServiceId = ClusterId;
    }
}
