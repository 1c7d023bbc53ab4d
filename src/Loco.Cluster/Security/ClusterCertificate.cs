using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;

namespace Loco.Cluster.Security;

/// <summary>
/// The one certificate of a Loco cluster (made by <c>loco cluster-cert</c>): every process of the cluster (the coordinator,
/// its workers, <c>loco status</c>) holds it with its private key and presents it on every connection, Orleans' and the
/// data plane's; each side accepts a peer only if the peer presents this very certificate (pinned by its SHA-256 hash),
/// which TLS proves it holds the key of. A process without the file cannot join, call a grain or send a chunk.
/// </summary>
public sealed class ClusterCertificate : IDisposable
{
    /// <summary>The certificate with its private key (PKCS#12, no password: the file is the secret; mode 0600).</summary>
    public const string FileName = "cluster.pfx";

    /// <summary>The certificate alone (PEM), to inspect or to recognise; it authenticates nobody.</summary>
    public const string PublicFileName = "cluster.crt";

    /// <summary>The name the certificate is issued to and that clients ask for (SNI).</summary>
    public const string HostName = "loco-cluster";

    private static readonly TimeSpan Handshake = TimeSpan.FromSeconds(10);
    private readonly byte[] _hash;

    private ClusterCertificate(X509Certificate2 certificate, string path)
    {
        Certificate = certificate;
        Path = path;
        _hash = certificate.GetCertHash(HashAlgorithmName.SHA256);
    }

    /// <summary>The certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The file it was loaded from.</summary>
    public string Path { get; }

    /// <summary>Its SHA-256 fingerprint, hex: what <c>loco cluster-cert</c> prints and every process logs.</summary>
    public string Fingerprint => Convert.ToHexString(_hash);

    /// <summary>
    /// Makes a new cluster certificate (ECDSA P-256, self-signed, for server and client authentication, valid
    /// <paramref name="days"/> days) in <paramref name="folder"/>: <see cref="FileName"/> (with the key, readable by its
    /// owner only) and <see cref="PublicFileName"/>. An existing certificate is kept unless <paramref name="overwrite"/>:
    /// replacing it locks out every process that holds the old one.
    /// </summary>
    public static ClusterCertificate Create(string folder, int days = 365, bool overwrite = false)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentOutOfRangeException.ThrowIfLessThan(days, 1);
        string pfx = System.IO.Path.Combine(folder, FileName);
        if (File.Exists(pfx) && !overwrite)
        {
            throw new IOException($"{pfx} exists; keep it (every process of the cluster holds it), or replace it with --overwrite.");
        }

        Directory.CreateDirectory(folder);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={HostName}, O=Loco cluster {Guid.NewGuid():N}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication"), new Oid("1.3.6.1.5.5.7.3.2", "Client Authentication")], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(HostName);
        request.CertificateExtensions.Add(names.Build());
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 made = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(days));
        byte[] bytes = made.Export(X509ContentType.Pkcs12);
        WritePrivate(pfx, bytes);
        File.WriteAllText(System.IO.Path.Combine(folder, PublicFileName), made.ExportCertificatePem() + "\n");
        return Load(pfx);
    }

    /// <summary>
    /// Loads the certificate from <paramref name="path"/> (the file, or the folder that holds <see cref="FileName"/>);
    /// an <see cref="InvalidDataException"/> that says what is wrong for a missing file, one without its key, or one
    /// out of its validity period.
    /// </summary>
    public static ClusterCertificate Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string file = Directory.Exists(path) ? System.IO.Path.Combine(path, FileName) : path;
        if (!File.Exists(file))
        {
            throw new InvalidDataException($"no cluster certificate at {file}; make one with `loco cluster-cert --out DIR` and give every process the same file.");
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(file, password: null);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidDataException($"{file} is not a cluster certificate (PKCS#12 without a password, as `loco cluster-cert` writes): {ex.Message}", ex);
        }

        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new InvalidDataException($"{file} holds a certificate without its private key; give the {FileName} that `loco cluster-cert` wrote.");
        }

        DateTime now = DateTime.Now;
        if (now < certificate.NotBefore || now > certificate.NotAfter)
        {
            string span = $"{certificate.NotBefore:u} to {certificate.NotAfter:u}";
            certificate.Dispose();
            throw new InvalidDataException($"the cluster certificate {file} is valid from {span}, not now; make a new one with `loco cluster-cert --out DIR --overwrite`.");
        }

        return new ClusterCertificate(certificate, System.IO.Path.GetFullPath(file));
    }

    /// <summary>Whether a peer presented this cluster's certificate.</summary>
    public bool Accepts(X509Certificate? remote) =>
        remote is not null && CryptographicOperations.FixedTimeEquals(remote.GetCertHash(HashAlgorithmName.SHA256), _hash);

    /// <summary>
    /// Orleans' TLS settings for a silo or a client: this certificate on every connection, a certificate required from
    /// every peer (clients included), and the peer accepted only if it is this one (a self-signed certificate has no
    /// chain to trust; the pin replaces it).
    /// </summary>
    public void Configure(TlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.LocalCertificate = Certificate;
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.RemoteCertificateValidation = (remote, _, _) => Accepts(remote);
        options.OnAuthenticateAsClient = (_, ssl) => ssl.TargetHost = HostName;
        options.HandshakeTimeout = Handshake;
    }

    /// <summary>Wraps a data-plane connection accepted by the coordinator: TLS with a client certificate required and pinned.</summary>
    public async Task<SslStream> AuthenticateAsServerAsync(Stream inner, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false, (_, remote, _, _) => Accepts(remote));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Handshake);
        try
        {
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = Certificate,
                ClientCertificateRequired = true,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            }, timeout.Token);
            return ssl;
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }
    }

    /// <summary>Wraps a worker's data-plane connection: TLS presenting this certificate and accepting only a coordinator that presents it too.</summary>
    public async Task<SslStream> AuthenticateAsClientAsync(Stream inner, CancellationToken cancellationToken = default)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false, (_, remote, _, _) => Accepts(remote));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Handshake);
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = HostName,
                ClientCertificates = [Certificate],
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            }, timeout.Token);
            return ssl;
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }
    }

    // The key file is created readable by its owner only, before a byte of the key is written.
    private static void WritePrivate(string path, byte[] bytes)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        if (File.Exists(path))
        {
            File.Delete(path);
        }

        using var stream = new FileStream(path, options);
        stream.Write(bytes);
    }

    /// <inheritdoc />
    public void Dispose() => Certificate.Dispose();
}
