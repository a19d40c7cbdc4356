namespace NpmHardening.Engine.Lockfiles
{
    /// <summary>Why a lockfile could not be read. The cmdlets turn each into the ErrorId <c>NpmLockfile&lt;Kind&gt;</c>.</summary>
    public enum NpmLockfileErrorKind
    {
        /// <summary>The file is larger than <see cref="NpmLockfileLimits.MaxBytes"/>; nothing was read.</summary>
        TooLarge,
        /// <summary>The JSON ends before its last value is complete.</summary>
        Truncated,
        /// <summary>The text is not JSON.</summary>
        Syntax,
        /// <summary>A line is a git merge-conflict marker (<c>&lt;&lt;&lt;&lt;&lt;&lt;&lt;</c>, <c>=======</c>, <c>&gt;&gt;&gt;&gt;&gt;&gt;&gt;</c>, <c>|||||||</c>).</summary>
        ConflictMarker,
        /// <summary>Objects and arrays nest deeper than <see cref="NpmLockfileLimits.MaxDepth"/>.</summary>
        TooDeep,
        /// <summary>A field npm defines has another JSON type (<c>"packages": []</c>, <c>"version": 1</c>).</summary>
        WrongType,
        /// <summary>Valid JSON, but no <c>lockfileVersion</c>, <c>packages</c> or <c>dependencies</c>: not an npm lockfile.</summary>
        NotALockfile,
        /// <summary>The file could not be opened or read.</summary>
        Unreadable,
    }
}
