using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using NpmHardening;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Benchmarks
{
    /// <summary>
    /// The steps of one <c>Get-NpmConfig</c> call, each on its own, against the same fixture Invoke-Benchmark.ps1
    /// builds (a HOME with ~/.npmrc, a PREFIX with etc/npmrc, a project with package.json and .npmrc).
    /// The environment is passed explicitly, so the machine's own npm configuration is never read.
    /// </summary>
    [MemoryDiagnoser]
    public class ResolverBenchmarks
    {
        private string _root = "";
        private string _project = "";
        private string _userFile = "";
        private byte[] _userBytes = Array.Empty<byte>();
        private Dictionary<string, string> _env = new Dictionary<string, string>();
        private NpmInstallation? _installation;
        private NpmConfigResolution? _resolution;
        private readonly SystemPlatform _platform = SystemPlatform.Instance;

        [GlobalSetup]
        public void Setup()
        {
            _root = Path.Combine(Path.GetTempPath(), "npmh-bdn-" + Guid.NewGuid().ToString("n").Substring(0, 12));
            var home = Path.Combine(_root, "home");
            var prefix = Path.Combine(_root, "prefix");
            _project = Path.Combine(_root, "work", "acme-web");
            _userFile = Path.Combine(home, ".npmrc");
            Fixture.Write(_userFile, Fixture.UserNpmrc);
            Fixture.Write(Path.Combine(prefix, "etc", "npmrc"), Fixture.GlobalNpmrc);
            Fixture.Write(Path.Combine(_project, "package.json"), Fixture.PackageJson);
            Fixture.Write(Path.Combine(_project, ".npmrc"), Fixture.ProjectNpmrc);
            _userBytes = File.ReadAllBytes(_userFile);

            _env = EnvironmentMap.Create(_platform.IsWindows);
            _env["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "";
            _env["HOME"] = home;
            _env["PREFIX"] = prefix;
            _env["NPM_TOKEN"] = "npm_0123456789abcdefghijklmnopqrstuvwxyZ";
            if (_platform.IsWindows)
            {
                _env["USERPROFILE"] = home;
                foreach (var name in new[] { "SystemRoot", "ProgramFiles", "ProgramFiles(x86)", "PATHEXT" })
                    if (Environment.GetEnvironmentVariable(name) is string v) _env[name] = v;
            }
            _installation = NpmLocator.Locate(_platform, _env);
            _resolution = Resolve();
        }

        [GlobalCleanup]
        public void Cleanup()
        {
            try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }

        private NpmConfigResolution Resolve() => NpmConfigResolver.Resolve(new NpmConfigRequest
        {
            Platform = _platform,
            WorkingDirectory = _project,
            Environment = _env,
            Installation = _installation,
        });

        /// <summary>Finding node and npm on PATH and reading npm's version: Get-NpmConfig does this once per call.</summary>
        [Benchmark]
        public NpmInstallation Locate() => NpmLocator.Locate(_platform, _env);

        /// <summary>All layers (defaults, builtin, env, project, user, global), node/npm already located.</summary>
        [Benchmark]
        public NpmConfigResolution ResolveLayers() => Resolve();

        /// <summary>The default output: typed, redacted entries for keys set outside the defaults.</summary>
        [Benchmark]
        public int SelectEffective() => NpmConfigEntries.Select(_resolution!, new NpmConfigEntryFilter()).Count();

        /// <summary>-All: every layer's entry with IsEffective/ShadowedBy.</summary>
        [Benchmark]
        public int SelectAll() => NpmConfigEntries.Select(_resolution!, new NpmConfigEntryFilter { AllLayers = true }).Count();

        /// <summary>What one Get-NpmConfig call does in the engine: locate + resolve + select.</summary>
        [Benchmark(Baseline = true)]
        public int EndToEnd()
        {
            var installation = NpmLocator.Locate(_platform, _env);
            var resolution = NpmConfigResolver.Resolve(new NpmConfigRequest
            {
                Platform = _platform,
                WorkingDirectory = _project,
                Environment = _env,
                Installation = installation,
            });
            return NpmConfigEntries.Select(resolution, new NpmConfigEntryFilter()).Count();
        }

        /// <summary>Parsing the 16-line ~/.npmrc into the lossless document and decoding it as npm's ini does.</summary>
        [Benchmark]
        public object ParseUserNpmrc() => IniDecoder.Decode(NpmrcDocument.Parse(_userBytes, _userFile));
    }

    /// <summary>The fixture files, the same as Invoke-Benchmark.ps1 writes.</summary>
    internal static class Fixture
    {
        public static readonly string[] UserNpmrc =
        {
            "; npm user configuration (benchmark fixture)",
            "registry=https://registry.npmjs.org/",
            "@acme:registry=https://npm.acme.example/",
            "//npm.acme.example/:_authToken=${NPM_TOKEN}",
            "progress=false",
            "",
            "# install behaviour",
            "save-exact=true",
            "engine-strict=true",
            "ignore-scripts=true",
            "fund=false",
            "update-notifier=false",
            "fetch-retries=4",
            "loglevel=warn",
            "init-author-name=\"Jane Example\"",
            "init-license=MIT",
        };

        public static readonly string[] GlobalNpmrc =
        {
            "; global configuration (benchmark fixture)",
            "audit-level=high",
            "strict-ssl=true",
            "fetch-retries=2",
        };

        public static readonly string[] PackageJson =
        {
            "{",
            "  \"name\": \"acme-web\",",
            "  \"version\": \"1.4.2\",",
            "  \"private\": true,",
            "  \"scripts\": { \"build\": \"tsc -p .\", \"test\": \"node --test\" },",
            "  \"dependencies\": { \"@acme/ui\": \"^3.1.0\", \"express\": \"^4.21.2\" },",
            "  \"devDependencies\": { \"typescript\": \"^5.7.3\" }",
            "}",
        };

        public static readonly string[] ProjectNpmrc =
        {
            "# project configuration",
            "legacy-peer-deps=true",
            "package-lock=true",
            "audit-level=moderate",
        };

        public static void Write(string path, string[] lines)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, string.Join("\n", lines) + "\n", new System.Text.UTF8Encoding(false));
        }
    }

    public static class Program
    {
        /// <summary>Runs BenchmarkDotNet; results go to out/bench/BenchmarkDotNet.Artifacts unless --artifacts says otherwise.</summary>
        public static void Main(string[] args)
        {
            if (!args.Any(a => a == "--artifacts" || a.StartsWith("--artifacts=", StringComparison.Ordinal)))
            {
                var repo = FindRepoRoot(AppContext.BaseDirectory);
                if (repo != null) args = args.Concat(new[] { "--artifacts", Path.Combine(repo, "out", "bench", "BenchmarkDotNet.Artifacts") }).ToArray();
            }
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        }

        private static string? FindRepoRoot(string start)
        {
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Directory.Build.props")) && File.Exists(Path.Combine(dir.FullName, "build.ps1"))) return dir.FullName;
            return null;
        }
    }
}
