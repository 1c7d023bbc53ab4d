using System.CommandLine;
using System.Net;
using Loco.Cluster.Security;
using Loco.Core.Family;

namespace Loco.Cli.Commands;

/// <summary>The <c>--cert</c> flag of the cluster's commands, and the rule that a coordinator open beyond this machine has one.</summary>
internal static class CertificateFlag
{
    public static Option<string?> Create() => Options.Text("--cert",
        "The cluster's certificate (cluster.pfx, or its folder; made by `loco cluster-cert`): every connection is mutual TLS with it, and processes without it are refused. Default: none (plain TCP).");

    public static Option<bool> CreateInsecure() => Options.Flag("--insecure",
        "Listen on an address other than loopback without --cert: any process that reaches the port can join the run or send it chunks.");

    /// <summary>Loads the certificate a flag names, or null when it was not given; a clear error otherwise.</summary>
    public static ClusterCertificate? Load(string? path, string flag = "--cert")
    {
        if (path is null)
        {
            return null;
        }

        try
        {
            return ClusterCertificate.Load(path);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidInputException(flag, ex.Message);
        }
    }

    /// <summary>Refuses a listener beyond loopback without a certificate, unless the user said --insecure.</summary>
    public static void EnsureGuarded(IPEndPoint listen, ClusterCertificate? certificate, bool insecure)
    {
        if (certificate is null && !insecure && !IPAddress.IsLoopback(listen.Address))
        {
            throw new InvalidInputException("--listen",
                $"{listen} is reachable from other machines, and without a certificate anyone who reaches it could join the run or send it chunks. " +
                "Make one with `loco cluster-cert --out DIR` and pass --cert DIR/cluster.pfx here and to every worker, or accept the risk with --insecure.");
        }
    }
}
