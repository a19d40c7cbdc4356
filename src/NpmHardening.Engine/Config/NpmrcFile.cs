using System.Collections.Generic;
using System.Text;
using NpmHardening.Engine.Platform;

namespace NpmHardening
{
    /// <summary>Why a config source deserves attention: how npm will (mis)read it.</summary>
    public enum NpmConfigIssueKind
    {
        Utf16Encoded,
        NulBytes,
        InvalidUtf8,
        LargeFile,
        TooLargeToRead,
        Unreadable,
        NotAFile,
        ParserFailure,
        UnknownKey,
        DeprecatedKey,
        PrefixInProjectConfig,
        WorkspaceConfigIgnored,
        ExclusiveKeys,
        /// <summary>npm loads the configuration, then its command line crashes on a value (e.g. an unknown loglevel).</summary>
        CommandCrash,
        NpmNotFound,
        NodeNotFound,
        /// <summary>npm stops before running any command (a value its loader or flatteners throw on, broken workspaces).</summary>
        StartupFailure,
        /// <summary>Two npm_config_* variables name the same key; npm uses the later one in the environment block.</summary>
        EnvironmentClash,
        /// <summary>HOME (USERPROFILE on Windows) is set but empty: npm's '~' is the working directory.</summary>
        EmptyHome,
        /// <summary>Whether the project is a workspace could not be decided (unmodelled glob syntax, a walk too large).</summary>
        WorkspaceUndecided,
        /// <summary>A FIFO, socket or device where a config file is expected: never opened, so the audit cannot block on it.</summary>
        NotRegularFile,
        /// <summary>Beyond what npm can meaningfully hold (lines, settings, line length, nesting, ${VAR} growth; see NpmrcLimits): not audited.</summary>
        LimitExceeded,
    }

    /// <summary>A problem with a config file or environment entry, stated as what npm will do about it.</summary>
    public sealed class NpmConfigIssue
    {
        public NpmConfigIssue(NpmConfigIssueKind kind, string source, int? line, string message, bool isError)
        {
            // Messages quote keys and values from the file; a malformed line can put a secret in the key position.
            Kind = kind; Source = source; Line = line; Message = NpmHardening.Engine.Credentials.NpmCredential.RedactText(message); IsError = isError;
        }

        public NpmConfigIssueKind Kind { get; }
        /// <summary>The file path or environment variable concerned.</summary>
        public string Source { get; }
        public int? Line { get; }
        public string Message { get; }
        /// <summary>True when npm fails or the file cannot be audited; false for a warning.</summary>
        public bool IsError { get; }
        public override string ToString() => Line.HasValue ? $"{Source}:{Line}: {Message}" : $"{Source}: {Message}";

        /// <summary>True when npm itself exits at start with this configuration (as opposed to a file the module could not read).</summary>
        public bool StopsNpm => IsError && (Kind == NpmConfigIssueKind.StartupFailure || Kind == NpmConfigIssueKind.ParserFailure
            || Kind == NpmConfigIssueKind.ExclusiveKeys || Kind == NpmConfigIssueKind.CommandCrash || Kind == NpmConfigIssueKind.UnknownKey);
    }
}

namespace NpmHardening.Engine.Config
{
    /// <summary>Reads an .npmrc as npm would (UTF-8, whole file), noting what npm will silently get wrong.</summary>
    public static class NpmrcFile
    {
        /// <summary>Files above this are unusual for an .npmrc: reported, still read.</summary>
        public const long LargeFileBytes = 1L << 20;
        /// <summary>Files above this are not read at all (<see cref="NpmrcLimits.MaxFileBytes"/>); npm would still read them.</summary>
        public const long MaxReadBytes = NpmrcLimits.MaxFileBytes;

        public sealed class LoadResult
        {
            internal LoadResult(NpmrcDocument? document, FileReadStatus status, List<NpmConfigIssue> issues, IReadOnlyList<FilePrincipal>? controlledBy = null)
            {
                Document = document; Status = status; Issues = issues; ControlledBy = controlledBy ?? System.Array.Empty<FilePrincipal>();
            }
            public NpmrcDocument? Document { get; }
            /// <summary>Who besides the trusted accounts could have written the file (see <see cref="FileReadResult.ControlledBy"/>).</summary>
            public IReadOnlyList<FilePrincipal> ControlledBy { get; }
            public FileReadStatus Status { get; }
            public IReadOnlyList<NpmConfigIssue> Issues { get; }
        }

        public static LoadResult Load(IPlatform platform, string path)
        {
            var issues = new List<NpmConfigIssue>();
            var read = platform.ReadFile(path, MaxReadBytes);
            switch (read.Status)
            {
                case FileReadStatus.NotFound:
                    return new LoadResult(null, read.Status, issues);
                case FileReadStatus.IsDirectory:
                    issues.Add(new NpmConfigIssue(NpmConfigIssueKind.NotAFile, path, null,
                        "is a directory, not a file; npm ignores it (its settings do not apply).", true));
                    return new LoadResult(null, read.Status, issues);
                case FileReadStatus.TooLarge:
                    issues.Add(new NpmConfigIssue(NpmConfigIssueKind.TooLargeToRead, path, null,
                        $"is {read.Length:N0} bytes, over the {MaxReadBytes / (1 << 20)} MiB NpmHardening reads (no real .npmrc comes near it; npm would read it whole and slow down every command). It was not audited.", true));
                    return new LoadResult(null, read.Status, issues);
                case FileReadStatus.NotRegularFile:
                    issues.Add(new NpmConfigIssue(NpmConfigIssueKind.NotRegularFile, path, null,
                        $"was not audited: {read.Error}. npm would block or fail reading it; replace it with a regular file or remove it.", true));
                    return new LoadResult(null, read.Status, issues);
                case FileReadStatus.UnsafeLink:
                    issues.Add(new NpmConfigIssue(NpmConfigIssueKind.Unreadable, path, null,
                        $"was not audited: {read.Error} npm reads it, so settings nobody audited may apply.", true));
                    return new LoadResult(null, read.Status, issues);
                case FileReadStatus.AccessDenied:
                case FileReadStatus.IoError:
                    issues.Add(new NpmConfigIssue(NpmConfigIssueKind.Unreadable, path, null,
                        $"cannot be read ({read.Error}); npm running as this user ignores it without a warning.", true));
                    return new LoadResult(null, read.Status, issues);
            }
            if (read.Bytes == null)
            {
                issues.Add(new NpmConfigIssue(NpmConfigIssueKind.Unreadable, path, null, $"cannot be read ({read.Error ?? read.Status.ToString()}).", true));
                return new LoadResult(null, read.Status, issues);
            }

            var bytes = read.Bytes!;
            Inspect(bytes, path, issues);
            try
            {
                var document = NpmrcDocument.Parse(bytes, path);
                return new LoadResult(document, read.Status, issues, read.ControlledBy);
            }
            catch (NpmrcLimitException e)
            {
                issues.Add(LimitIssue(path, e));
                return new LoadResult(null, read.Status, issues);
            }
        }

        /// <summary>The error for a source beyond <see cref="NpmrcLimits"/>: it was not audited, which never counts as compliant.</summary>
        internal static NpmConfigIssue LimitIssue(string source, NpmrcLimitException e) =>
            new NpmConfigIssue(NpmConfigIssueKind.LimitExceeded, source, e.Line,
                e.Message + ": beyond anything npm can meaningfully use, so it was not audited (about_NpmHardening, LIMITS).", true);

        /// <summary>Encoding checks: what npm's UTF-8 decoding makes of these bytes.</summary>
        internal static void Inspect(byte[] bytes, string path, List<NpmConfigIssue> issues)
        {
            if (bytes.Length > LargeFileBytes)
                issues.Add(new NpmConfigIssue(NpmConfigIssueKind.LargeFile, path, null,
                    $"is {bytes.Length:N0} bytes (over 1 MiB), far larger than any real .npmrc; npm reads all of it.", false));

            bool utf16Bom = bytes.Length >= 2 && (bytes[0] == 0xFF && bytes[1] == 0xFE || bytes[0] == 0xFE && bytes[1] == 0xFF);
            int nulCount = 0, firstNulLine = 0, line = 1;
            for (int i = 0; i < bytes.Length; i++)
            {
                if (bytes[i] == 0) { if (nulCount++ == 0) firstNulLine = line; }
                else if (bytes[i] == (byte)'\n') line++;
            }
            if (utf16Bom || nulCount > 0 && nulCount * 4 >= bytes.Length)
            {
                issues.Add(new NpmConfigIssue(NpmConfigIssueKind.Utf16Encoded, path, null,
                    "is encoded as UTF-16 (as `echo x > .npmrc` writes in Windows PowerShell 5.1); npm reads it as UTF-8 and sees garbage, so none of its settings take effect. Save it as UTF-8.", true));
                return;
            }
            if (nulCount > 0)
                issues.Add(new NpmConfigIssue(NpmConfigIssueKind.NulBytes, path, firstNulLine,
                    $"contains {nulCount} NUL byte(s); npm keeps them in keys and values, so the affected settings do not match any npm option.", false));

            int invalidLine = FirstInvalidUtf8Line(bytes);
            if (invalidLine > 0)
                issues.Add(new NpmConfigIssue(NpmConfigIssueKind.InvalidUtf8, path, invalidLine,
                    "contains bytes that are not valid UTF-8; npm replaces them with U+FFFD, so values on that line are not what the file's author wrote.", false));
        }

        private static int FirstInvalidUtf8Line(byte[] bytes)
        {
            var decoder = new UTF8Encoding(false, true);
            try
            {
                decoder.GetCharCount(bytes);
                return 0;
            }
            catch (DecoderFallbackException e)
            {
                int line = 1;
                for (int i = 0; i < e.Index && i < bytes.Length; i++) if (bytes[i] == (byte)'\n') line++;
                return line;
            }
        }
    }
}
