using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Text;
using NpmHardening.Engine.Events;

namespace NpmHardening.Commands
{
    /// <summary>
    /// The article's alert: every publish or package creation with no approval of it within -Window, and every approval
    /// with no stage before it, over events from the pipeline (Get-NpmReleaseEvent, ConvertFrom-Json, Import-Csv) or
    /// files (-Path: JSON lines, or CSV by the .csv extension). Field names map with -ActionField, -PackageField,
    /// -VersionField, -TimeField and -UserField. The alerts are findings (NpmReleaseAlert), written once every event is in.
    /// </summary>
    [Cmdlet(VerbsCommon.Find, "NpmUnapprovedPublish", DefaultParameterSetName = InputSet)]
    [OutputType(typeof(NpmReleaseAlert))]
    public sealed class FindNpmUnapprovedPublishCommand : NpmHardeningCmdlet
    {
        private const string InputSet = "InputObject";
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";

        /// <summary>The most events one run correlates (they are held until the end).</summary>
        public const int MaxEvents = 5_000_000;

        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputSet)]
        [AllowNull]
        public PSObject? InputObject { get; set; }

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        public string[]? Path { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [Alias("PSPath", "LP")]
        public string[]? LiteralPath { get; set; }

        /// <summary>How far from a publish an approval may be (before or after) and still count.</summary>
        [Parameter]
        public TimeSpan Window { get; set; } = TimeSpan.FromHours(24);

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string ActionField { get; set; } = "event.action";

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string PackageField { get; set; } = "package.name";

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string VersionField { get; set; } = "package.version";

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string TimeField { get; set; } = "@timestamp";

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string UserField { get; set; } = "user.name";

        private UnapprovedPublishCorrelator? _correlator;
        private ReleaseEventFieldMap? _map;
        private int _objects;
        private bool _full;

        protected override void BeginProcessing()
        {
            if (Window < TimeSpan.Zero)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("-Window cannot be negative."), "WindowNegative", ErrorCategory.InvalidArgument, Window));
            _correlator = new UnapprovedPublishCorrelator(Window);
            _map = new ReleaseEventFieldMap { Action = ActionField, Package = PackageField, Version = VersionField, Time = TimeField, User = UserField };
        }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == InputSet)
            {
                if (InputObject == null) return;
                _objects++;
                var o = InputObject;
                var fields = new List<KeyValuePair<string, object?>>();
                if (o.BaseObject is IDictionary dictionary)
                    foreach (DictionaryEntry entry in dictionary) fields.Add(new KeyValuePair<string, object?>(Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture) ?? "", Plain(entry.Value)));
                else
                foreach (var p in o.Properties)
                {
                    object? value;
                    try { value = p.Value; }
                    catch (GetValueException) { continue; }
                    fields.Add(new KeyValuePair<string, object?>(p.Name, Plain(value)));
                }
                var item = ReleaseEventImport.Build(name => Get(o, name), fields, _map!, null, _objects);
                Take(item, $"input object {_objects}", InputObject);
                return;
            }
            foreach (var file in ResolvePaths(LiteralPath ?? Path, LiteralPath != null))
            {
                if (Directory.Exists(file))
                {
                    WriteError(new ErrorRecord(new ArgumentException($"'{file}' is a folder; give event files (JSON lines, or .csv)."), "EventFileIsFolder", ErrorCategory.InvalidArgument, file));
                    continue;
                }
                int read = 0;
                try
                {
                    using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
                    using var reader = new StreamReader(stream, new UTF8Encoding(false), true);
                    foreach (var item in ReleaseEventImport.Read(reader, file, _map!))
                    {
                        read++;
                        if (!Take(item, $"{file}:{item.Line}", file + ":" + item.Line)) break;
                    }
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    WriteError(new ErrorRecord(e, "EventFileUnreadable", ErrorCategory.ReadError, file));
                    continue;
                }
                WriteVerbose($"{file}: {read} record(s) read as {(ReleaseEventImport.IsCsv(file) ? "CSV" : "JSON lines")}.");
            }
        }

        /// <summary>Adds one item, or writes why it could not be read; false when the event limit is reached.</summary>
        private bool Take(ReleaseEventImportItem item, string where, object target)
        {
            if (item.Problem != null)
            {
                WriteError(new ErrorRecord(new InvalidDataException($"{where}: {item.Problem}; the event was skipped."), "ReleaseEventInvalid", ErrorCategory.InvalidData, target));
                return true;
            }
            if (item.Record == null) return true;
            if (_correlator!.Count >= MaxEvents)
            {
                if (!_full) WriteError(new ErrorRecord(new InvalidOperationException($"More than {MaxEvents} events: the rest were not read. Correlate a shorter period at a time."), "TooManyReleaseEvents", ErrorCategory.LimitsExceeded, target));
                _full = true;
                return false;
            }
            _correlator.Add(item.Record);
            return true;
        }

        protected override void EndProcessing()
        {
            if (_correlator == null) return;
            WriteVerbose($"{_correlator.Count} event(s) correlated with a window of {Window}; {_correlator.Duplicates} duplicate(s) and {_correlator.Ignored} event(s) of other actions left out.");
            foreach (var alert in _correlator.Correlate(Environment.MachineName))
                WriteObject(Rendering.RemediationRenderer.Render(alert));
        }

        /// <summary>A property by its literal name, else the dotted path through nested objects and hashtables.</summary>
        private static object? Get(PSObject o, string name)
        {
            if (o.BaseObject is IDictionary dictionary && dictionary.Contains(name)) return Plain(dictionary[name]);
            var direct = o.Properties[name];
            if (direct != null) return Plain(SafeValue(direct));
            object? at = o;
            foreach (var part in name.Split('.'))
            {
                switch (at)
                {
                    case PSObject ps when !(ps.BaseObject is IDictionary):
                        var p = ps.Properties[part];
                        if (p == null) return null;
                        at = SafeValue(p);
                        break;
                    case PSObject ps:
                        at = ((IDictionary)ps.BaseObject).Contains(part) ? ((IDictionary)ps.BaseObject)[part] : null;
                        break;
                    case IDictionary d:
                        at = d.Contains(part) ? d[part] : null;
                        break;
                    case null:
                        return null;
                    default:
                        at = PSObject.AsPSObject(at).Properties[part] is PSPropertyInfo pi ? SafeValue(pi) : null;
                        break;
                }
            }
            return Plain(at);
        }

        private static object? SafeValue(PSPropertyInfo p)
        {
            try { return p.Value; }
            catch (GetValueException) { return null; }
        }

        /// <summary>Scalars as themselves (text, numbers, times); anything else as its text.</summary>
        private static object? Plain(object? value)
        {
            var v = value is PSObject ps ? ps.BaseObject : value;
            return v switch
            {
                null => null,
                string _ => v,
                DateTime _ => v,
                DateTimeOffset _ => v,
                bool _ => v,
                int i => (double)i,
                long l => (double)l,
                double _ => v,
                _ => LanguagePrimitives.ConvertTo<string>(v),
            };
        }
    }
}
