using System;
using System.Collections.Generic;
using System.Linq;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Findings;
using NpmHardening.Engine.Credentials;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Rules
{
    // 8xxx: who besides the owner can read or write the config files npm loaded
    internal sealed partial class AuditRun
    {
        private static readonly NpmConfigLayer[] FileLayers = { NpmConfigLayer.Builtin, NpmConfigLayer.Global, NpmConfigLayer.User, NpmConfigLayer.Project };

        private readonly Dictionary<string, (FileAccessInfo? Access, string? Error)> _access =
            new Dictionary<string, (FileAccessInfo?, string?)>(StringComparer.Ordinal);

        /// <summary>Every config file npm read for this context, lowest layer first.</summary>
        private IEnumerable<NpmConfigLayerData> LoadedFiles()
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var l in FileLayers)
            {
                var layer = R[l];
                if (layer.Loaded && !string.IsNullOrEmpty(layer.Source) && seen.Add(layer.Source!)) yield return layer;
            }
        }

        /// <summary>True when the layer stores a secret in clear (a token, a password, a URL with a password).</summary>
        private static bool HoldsCredentials(NpmConfigLayerData layer)
        {
            foreach (var key in layer.Keys)
            {
                if (!layer.TryGet(key, out var v)) continue;
                foreach (var text in Texts(v.RawValue ?? v.Value))
                {
                    if (UrlPasswordOf(text) != null) return true;
                    if (!NpmCredential.IsSecretKey(key) || text.Trim().Length == 0) continue;
                    var kind = NpmCredential.Classify(key, text);
                    if (kind != NpmCredentialKind.None && kind != NpmCredentialKind.EnvironmentReference && kind != NpmCredentialKind.ClientCertificatePath) return true;
                }
            }
            return false;
        }

        private (FileAccessInfo? Access, string? Error) Access(string path)
        {
            if (_access.TryGetValue(path, out var cached)) return cached;
            (FileAccessInfo?, string?) result;
            try { result = (Platform.GetFileAccess(path), null); }
            catch (Exception ex) when (ex is UnauthorizedAccessException || ex is System.IO.IOException || ex is System.Security.SecurityException || ex is InvalidOperationException)
            {
                result = (null, $"{path}: who can access the file could not be read: {ex.Message}");
            }
            _access[path] = result;
            return result;
        }

        private NpmSecurityFinding FileFinding(NpmSecurityRule rule, NpmConfigLayerData layer, NpmFindingStatus status, string message,
            FileAccessInfo? access, bool withRemediation)
        {
            var path = layer.Source!;
            NpmRemediation? fix = null;
            if (withRemediation)
            {
                fix = Advice(rule.Remediation);
                var kind = rule.Id == "NPMH8002" ? NpmFixKind.RestrictFileWriters : NpmFixKind.RestrictFileAccess; // 8002: others may still read it
                fix.Fixes.Add(new NpmFix(kind) { Path = path, Owner = OwnerOf(access?.Owner) });
            }
            var f = New(rule, status, message, setting: path, actual: access?.Summary, expected: rule.ExpectedText, remediation: fix);
            f.Layer = layer.Layer.ToString();
            f.Location = FindingFactory.File(path);
            return f;
        }

        /// <summary>The shared shape of the three file rules: which files, then a verdict per file from its access.</summary>
        private IEnumerable<NpmSecurityFinding> FileRule(NpmSecurityRule rule, IEnumerable<NpmConfigLayerData> files, string noneMessage,
            Func<NpmConfigLayerData, FileAccessInfo, NpmSecurityFinding> judge)
        {
            bool any = false;
            foreach (var layer in files)
            {
                any = true;
                var (access, error) = Access(layer.Source!);
                if (error != null) yield return FileFinding(rule, layer, NpmFindingStatus.Error, error, null, false);
                else if (access == null)
                    yield return FileFinding(rule, layer, NpmFindingStatus.NotApplicable, $"Who can access {layer.Source} could not be determined on this system.", null, false);
                else yield return judge(layer, access);
            }
            if (!any) yield return New(rule, NpmFindingStatus.NotApplicable, noneMessage, expected: rule.ExpectedText);
        }

        private IEnumerable<NpmSecurityFinding> CredentialFileReadable(NpmSecurityRule rule)
        {
            // client key files an npmrc line names: judged at that line by the credential analyzer, as Test-NpmrcToken does
            var keyFiles = FileFindings(rule).ToList();
            var holders = LoadedFiles().Where(HoldsCredentials).ToList();
            if (holders.Count == 0 && keyFiles.Count > 0) return keyFiles;
            return keyFiles.Concat(FileRule(rule, holders, "No config file npm reads holds a credential in clear.", (layer, access) =>
                access.ReadableByOthers
                    ? FileFinding(rule, layer, NpmFindingStatus.Fail,
                        $"{layer.Source} holds credentials and {string.Join(", ", access.OtherReaders)} can read it.", access, true)
                    : FileFinding(rule, layer, NpmFindingStatus.Pass, $"{layer.Source} holds credentials and only its owner can read it.", access, false)));
        }

        private IEnumerable<NpmSecurityFinding> ConfigFileWritable(NpmSecurityRule rule) =>
            FileRule(rule, LoadedFiles(), "npm reads no config file for this context.", (layer, access) =>
                access.WritableByOthers
                    ? FileFinding(rule, layer, NpmFindingStatus.Fail,
                        $"{string.Join(", ", access.OtherWriters)} can change {layer.Source}, and with it the registry, proxy, CA and script shell npm uses.", access, true)
                    : FileFinding(rule, layer, NpmFindingStatus.Pass, $"Only its owner and administrators can change {layer.Source}.", access, false));

        private IEnumerable<NpmSecurityFinding> UserConfigReadable(NpmSecurityRule rule)
        {
            var user = LoadedFiles().Where(l => l.Layer == NpmConfigLayer.User).ToList();
            if (user.Count == 1 && HoldsCredentials(user[0]))
                return new[] { FileFinding(rule, user[0], NpmFindingStatus.NotApplicable, $"{user[0].Source} holds credentials: NPMH8001 judges it.", null, false) };
            return FileRule(rule, user, "npm reads no user config file for this context.", (layer, access) =>
                access.ReadableByOthers
                    ? FileFinding(rule, layer, NpmFindingStatus.Fail,
                        $"{string.Join(", ", access.OtherReaders)} can read {layer.Source}; the next npm login would write a token into it.", access, true)
                    : FileFinding(rule, layer, NpmFindingStatus.Pass, $"Only its owner can read {layer.Source}.", access, false));
        }
    }
}
