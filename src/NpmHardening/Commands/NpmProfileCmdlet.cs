using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Commands
{
    /// <summary>
    /// The cmdlets that read npm as one or more users would (Get-NpmSecurityPosture, Test-NpmrcToken): the
    /// -UserProfile / -AllUsers / -IncludeSystemProfiles / -Environment parameters and the one way they are checked
    /// and turned into the profiles to work on.
    /// </summary>
    public abstract class NpmProfileCmdlet : NpmHardeningCmdlet
    {
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? UserProfile { get; set; }

        [Parameter]
        public SwitchParameter AllUsers { get; set; }

        [Parameter]
        public SwitchParameter IncludeSystemProfiles { get; set; }

        [Parameter]
        public Hashtable? Environment { get; set; }

        /// <summary>
        /// Checks the profile parameters (terminating on a conflict) and returns the profiles to work on; null means the
        /// current user. <paramref name="work"/> is the verb the messages use ("audit", "scan").
        /// </summary>
        protected List<UserProfileInfo>? SelectProfiles(IPlatform platform, string work)
        {
            if (AllUsers && UserProfile != null)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Use -AllUsers or -UserProfile, not both."),
                    "ProfileParametersConflict", ErrorCategory.InvalidArgument, null));
            if (IncludeSystemProfiles && !AllUsers)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("-IncludeSystemProfiles only applies with -AllUsers."),
                    "IncludeSystemProfilesWithoutAllUsers", ErrorCategory.InvalidArgument, null));

            if (AllUsers)
            {
                var profiles = PostureScanner.SelectProfiles(platform, IncludeSystemProfiles,
                    (p, why) => WriteVerbose($"Skipping the profile of {p.UserName} ({p.HomeDirectory}): {why}.")).ToList();
                WriteVerbose($"-AllUsers: {profiles.Count} profile(s) to {work}.");
                if (profiles.Count == 0)
                    WriteWarning($"No user profile to {work} was found on this machine" + (IncludeSystemProfiles ? "." : $" (system and service accounts are skipped; add -IncludeSystemProfiles to {work} them)."));
                return profiles;
            }
            if (UserProfile != null)
                return ResolveProfileFolders(UserProfile).Select(home => PostureScanner.ProfileFor(platform, home)).ToList();
            if (PostureScanner.RunsAsServiceAccount(platform))
                WriteWarning($"This process runs as a service account ({platform.OsHomeDirectory}), whose profile holds no user's npm settings. Add -AllUsers to {work} the users' profiles.");
            return null;
        }

        /// <summary>-Environment as the engine takes it; null when not given.</summary>
        protected Dictionary<string, string>? WhatIfEnvironment(IPlatform platform) =>
            Environment != null ? ToEnvironment(Environment, platform.IsWindows) : null;
    }
}
