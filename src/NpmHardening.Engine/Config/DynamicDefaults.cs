using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Config
{
    /// <summary>
    /// The defaults npm's definitions.js computes from its process (environment, OS, TTY) rather than
    /// declaring. The catalog marks them dynamic; this reproduces each computation for the modelled context.
    /// </summary>
    internal sealed class DynamicDefaults
    {
        private readonly IPlatform _platform;
        private readonly IReadOnlyDictionary<string, string> _env;
        private readonly NpmInstallation _installation;

        public DynamicDefaults(IPlatform platform, IReadOnlyDictionary<string, string> env, NpmInstallation installation)
        {
            _platform = platform; _env = env; _installation = installation;
        }

        private static readonly Regex Utf8Locale = new Regex(@"[Uu][Tt][Ff]-?8\z", RegexOptions.CultureInvariant);

        private string? Env(string name) => _env.TryGetValue(name, out var v) ? v : null;
        private string? Truthy(string name) { var v = Env(name); return string.IsNullOrEmpty(v) ? null : v; }

        public bool TryGet(string key, out object? value)
        {
            bool win = _platform.IsWindows;
            switch (key)
            {
                case "editor":
                    value = Truthy("EDITOR") ?? Truthy("VISUAL") ?? (win ? $"{Env("SYSTEMROOT") ?? "undefined"}\\notepad.exe" : "vi");
                    return true;
                case "shell":
                    value = win ? Truthy("ComSpec") ?? "cmd" : Truthy("SHELL") ?? "sh";
                    return true;
                case "unicode":
                    // /UTF-?8$/i.test(…): JavaScript's '$' is the end of the text, so "en_US.UTF-8\n" is not UTF-8
                    value = Utf8Locale.IsMatch(Truthy("LC_ALL") ?? Truthy("LC_CTYPE") ?? Truthy("LANG") ?? "undefined");
                    return true;
                case "cache":
                    value = ((win ? Truthy("LOCALAPPDATA") : null) ?? "~") + "/" + (win ? "npm-cache" : ".npm");
                    return true;
                case "color":
                    var noColor = Env("NO_COLOR");
                    value = string.IsNullOrEmpty(noColor) || noColor == "0";
                    return true;
                case "progress":
                    // also needs stdout and stderr to be terminals: assume an interactive shell
                    value = !(CiDetection.IsCI(_env) || Env("TERM") == "dumb");
                    return true;
                case "omit":
                    value = Env("NODE_ENV") == "production" ? new List<object?> { "dev" } : new List<object?>();
                    return true;
                case "viewer":
                    value = win ? "browser" : "man";
                    return true;
                case "node-version":
                    value = _installation.NodeVersion != null ? "v" + _installation.NodeVersion : (object)Js.JsUndefined.Value;
                    return true;
                case "npm-version":
                    value = _installation.NpmVersion ?? (object)Js.JsUndefined.Value;
                    return true;
                case "node-gyp":
                    // require.resolve('node-gyp/bin/node-gyp.js') from npm's own node_modules, '' when absent
                    var gyp = _installation.NpmRoot == null ? null
                        : _platform.Path.Resolve(_platform.CurrentDirectory, _installation.NpmRoot, "node_modules", "node-gyp", "bin", "node-gyp.js");
                    value = gyp != null && _platform.FileExists(gyp) ? gyp : "";
                    return true;
                case "ci-name":
                    var name = CiDetection.VendorName(_env);
                    value = name == null ? null : Js.JsCase.ToLowerCase(name).Replace(' ', '-');
                    return true;
                default:
                    value = null;
                    return false;
            }
        }
    }

    /// <summary>The ci-info package's CI detection, which npm uses for defaults such as progress and ci-name.</summary>
    public static class CiDetection
    {
        // (vendor name, variable that identifies it): the common vendors of ci-info's list.
        private static readonly (string Name, string Variable)[] Vendors =
        {
            ("GitHub Actions", "GITHUB_ACTIONS"), ("GitLab CI", "GITLAB_CI"), ("Azure Pipelines", "TF_BUILD"),
            ("CircleCI", "CIRCLECI"), ("Travis CI", "TRAVIS"), ("Buildkite", "BUILDKITE"), ("AppVeyor", "APPVEYOR"),
            ("Bitbucket Pipelines", "BITBUCKET_COMMIT"), ("TeamCity", "TEAMCITY_VERSION"), ("AWS CodeBuild", "CODEBUILD_BUILD_ARN"),
            ("Drone", "DRONE"), ("Semaphore", "SEMAPHORE"), ("Bamboo", "bamboo_planKey"), ("Cirrus CI", "CIRRUS_CI"),
        };

        public static string? VendorName(IReadOnlyDictionary<string, string> env)
        {
            if (env.TryGetValue("CI", out var ci) && ci == "false") return null;
            string? name = null;
            foreach (var v in Vendors)
                if (env.TryGetValue(v.Variable, out var value) && value.Length > 0) name = v.Name;
            if (name == null && env.TryGetValue("JENKINS_URL", out var j) && j.Length > 0 && env.TryGetValue("BUILD_ID", out var b) && b.Length > 0)
                name = "Jenkins";
            return name;
        }

        public static bool IsCI(IReadOnlyDictionary<string, string> env)
        {
            if (env.TryGetValue("CI", out var ci) && ci == "false") return false;
            foreach (var name in new[] { "BUILD_ID", "BUILD_NUMBER", "CI", "CI_APP_ID", "CI_BUILD_ID", "CI_BUILD_NUMBER", "CI_NAME", "CONTINUOUS_INTEGRATION", "RUN_ID" })
                if (env.TryGetValue(name, out var v) && v.Length > 0) return true;
            return VendorName(env) != null;
        }
    }
}
