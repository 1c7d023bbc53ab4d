using Microsoft.Extensions.Hosting;

namespace Loco.Cluster.Hosting;

/// <summary>
/// The lifetime of Loco's Orleans hosts (the coordinator's silo, a worker's client): unlike the default console lifetime
/// it does not take over SIGINT and SIGTERM, which would swallow them (it cancels the signal and asks an application
/// lifetime nobody waits on to stop), so Ctrl-C or `kill` ends a coordinator or a worker as it ends any process. The
/// cluster survives that by design: a coordinator resumes from its manifest, a worker rejoins.
/// </summary>
internal sealed class SignallessLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
