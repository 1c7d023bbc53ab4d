using System.CommandLine;
using System.Text.Json;
using Loco.Cluster;
using Loco.Cluster.Grains;
using Loco.Cluster.Hosting;
using Loco.Cluster.Protocol;
using Loco.Core.Family;
using Spectre.Console;

namespace Loco.Cli.Commands;

/// <summary><c>loco status --join HOST:PORT</c>: the run a coordinator holds: its round, its workers with their last contact and losses, the bytes.</summary>
internal sealed class StatusCommand
{
    private readonly Option<string?> _join = Options.Text("--join", "HOST:PORT of the coordinator (its --listen).");
    private readonly Option<int?> _wait = Options.Int("--connect-timeout", "Seconds to keep trying to reach the coordinator. Default: 10.");
    private readonly Option<bool> _json = Options.Flag("--json", "Print the status as JSON.");
    private readonly Option<string?> _cert = CertificateFlag.Create();

    public Command Build(Terminal terminal)
    {
        var command = new Command("status", "Shows the run a `loco coordinator` holds: committed round, workers with their last contact, last losses and bytes sent.");
        foreach (Option option in new Option[] { _join, _cert, _wait, _json })
        {
            command.Options.Add(option);
        }

        command.SetAction(r => Execute(r, terminal));
        return command;
    }

    private int Execute(ParseResult r, Terminal terminal)
    {
        string join = r.GetValue(_join) ?? throw new InvalidInputException("--join", "give the coordinator's HOST:PORT.");
        int wait = r.GetValue(_wait) ?? 10;
        InputChecks.AtLeastOne(wait, "--connect-timeout", "seconds");
        RunStatus status;
        try
        {
            using Loco.Cluster.Security.ClusterCertificate? certificate = CertificateFlag.Load(r.GetValue(_cert));
            status = Query(Endpoints.Parse(join, "--join"), TimeSpan.FromSeconds(wait), certificate).GetAwaiter().GetResult();
        }
        catch (ClusterUnavailableException ex)
        {
            throw new InvalidInputException("--join", ex.Message);
        }

        if (r.GetValue(_json))
        {
            terminal.Out.WriteLine(JsonSerializer.Serialize(status, new JsonSerializerOptions
            {
                PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
                NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
            }));
            return ExitCodes.Ok;
        }

        terminal.Out.WriteLine($"run {status.RunId}: round {status.CommittedRound} of {status.Rounds} committed{(status.Finished ? " (finished)" : "")}; " +
                               $"{status.Slots.Count(s => s.Connected)} of {status.Workers} workers connected; last train loss {status.LastTrainLoss:F4}; " +
                               $"{status.BytesReceived:N0} bytes received.");
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumns("worker", "host", "last contact", "last loss", "bytes sent", "connected");
        foreach (WorkerStatus s in status.Slots)
        {
            table.AddRow($"{s.Worker}", Markup.Escape(s.Host), $"{s.SecondsSinceContact:F1} s ago", s.LastLoss.ToString("F4"), s.BytesSent.ToString("N0"), s.Connected ? "yes" : "no");
        }

        terminal.Console.Write(table);
        foreach (string e in status.Events.TakeLast(10))
        {
            terminal.Out.WriteLine(e);
        }

        return ExitCodes.Ok;
    }

    private static async Task<RunStatus> Query(System.Net.IPEndPoint endpoint, TimeSpan wait, Loco.Cluster.Security.ClusterCertificate? certificate)
    {
        await using WorkerConnection connection = await WorkerConnection.ConnectAsync(endpoint, wait, certificate: certificate);
        return await connection.Client.GetGrain<IRunGrain>(IRunGrain.Key).Status();
    }
}
