using System.CommandLine;
using Loco.Cluster.Security;
using Loco.Core.Family;

namespace Loco.Cli.Commands;

/// <summary>
/// <c>loco cluster-cert --out DIR</c>: makes the certificate a cluster's processes authenticate one another with
/// (<see cref="ClusterCertificate"/>). Copy <c>cluster.pfx</c> to every machine of the cluster and give it to
/// <c>loco coordinator</c>, <c>loco worker</c> and <c>loco status</c> as <c>--cert</c>.
/// </summary>
internal sealed class ClusterCertCommand
{
    private readonly Option<string?> _out = Options.Text("--out", "Folder for cluster.pfx (the certificate and its key: the cluster's secret, readable by its owner only) and cluster.crt (the certificate alone). Default: loco-cert.");
    private readonly Option<int?> _days = Options.Int("--days", "Days the certificate is valid. Default: 365.");
    private readonly Option<bool> _overwrite = Options.Flag("--overwrite", "Replace a certificate the folder holds (every process that holds the old one is then locked out).");

    public Command Build(Terminal terminal)
    {
        var command = new Command("cluster-cert",
            "Makes the certificate of a cluster: every process of the cluster (coordinator, workers, status) presents it and accepts only peers that present it " +
            "(mutual TLS on the Orleans connections and on the data plane). Copy cluster.pfx to each machine and pass it as --cert.");
        foreach (Option option in new Option[] { _out, _days, _overwrite })
        {
            command.Options.Add(option);
        }

        command.SetAction(r => Execute(r, terminal));
        return command;
    }

    private int Execute(ParseResult r, Terminal terminal)
    {
        string folder = Path.GetFullPath(r.GetValue(_out) ?? "loco-cert");
        int days = r.GetValue(_days) ?? 365;
        InputChecks.AtLeastOne(days, "--days", "days");
        if (!r.GetValue(_overwrite) && File.Exists(Path.Combine(folder, ClusterCertificate.FileName)))
        {
            throw new InvalidInputException("--out", $"{Path.Combine(folder, ClusterCertificate.FileName)} exists; every process of its cluster holds it. Replace it with --overwrite, or choose another --out.");
        }

        using ClusterCertificate made = Output.Files.Write("--out", () => ClusterCertificate.Create(folder, days, overwrite: true));
        terminal.Out.WriteLine($"loco cluster-cert: wrote {made.Path} (certificate and key; keep it secret) and {Path.Combine(folder, ClusterCertificate.PublicFileName)}.");
        terminal.Out.WriteLine($"  SHA-256 fingerprint {made.Fingerprint}; valid until {made.Certificate.NotAfter:yyyy-MM-dd}.");
        terminal.Out.WriteLine($"  Use it on every process: loco coordinator --cert {made.Path} …, loco worker --cert {made.Path} --join …");
        return ExitCodes.Ok;
    }
}
