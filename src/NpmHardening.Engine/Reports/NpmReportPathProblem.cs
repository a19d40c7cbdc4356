namespace NpmHardening.Engine.Reports
{
    /// <summary>Why a report cannot be written where it was asked to go.</summary>
    public enum NpmReportPathProblem { FolderMissing, IsFolder, Exists, ReadOnly, Unwritable }
}
