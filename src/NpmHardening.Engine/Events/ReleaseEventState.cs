using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Js;

namespace NpmHardening.Engine.Events
{
    /// <summary>A staged item a run saw, kept so that the next run can tell it went away (<see cref="ReleaseEventReader"/>).</summary>
    public sealed class ReleaseEventStagedItem
    {
        public string Registry { get; set; } = "";
        public string Package { get; set; } = "";
        public string StageId { get; set; } = "";
        public string? Version { get; set; }
        public string? Shasum { get; set; }
    }

    /// <summary>
    /// What Get-NpmReleaseEvent -StatePath remembers between runs: the ids of the events it has emitted and the staged
    /// items it last saw per package. Its file lives where the runbook's account can write, so it is read as hostile
    /// input: a size limit, a count limit, exact types, and an error naming the file and what is wrong.
    /// </summary>
    public sealed class ReleaseEventState
    {
        /// <summary>The largest state file read (about 2 million event ids).</summary>
        public const long MaxBytes = 64L << 20;
        /// <summary>The most event ids and staged items kept.</summary>
        public const int MaxEntries = 2_000_000;

        public HashSet<string> Emitted { get; } = new HashSet<string>(StringComparer.Ordinal);
        public List<ReleaseEventStagedItem> Staged { get; } = new List<ReleaseEventStagedItem>();

        /// <summary>The staged items an earlier run saw for one package on one registry.</summary>
        public IEnumerable<ReleaseEventStagedItem> StagedFor(string registry, string package) =>
            Staged.Where(s => s.Registry == registry && s.Package == package);

        /// <summary>Replaces what is remembered for one package with what was just seen.</summary>
        public void SetStaged(string registry, string package, IEnumerable<ReleaseEventStagedItem> items)
        {
            Staged.RemoveAll(s => s.Registry == registry && s.Package == package);
            Staged.AddRange(items);
        }

        /// <summary>The state as UTF-8 JSON, one entry per line so a diff of two states reads.</summary>
        public byte[] Serialize()
        {
            var sb = new StringBuilder("{\"schema\":1,\"emitted\":[");
            bool first = true;
            foreach (var id in Emitted.OrderBy(x => x, StringComparer.Ordinal))
            {
                sb.Append(first ? "\n" : ",\n").Append(JsText.JsonQuote(id));
                first = false;
            }
            sb.Append("],\"staged\":[");
            first = true;
            foreach (var s in Staged)
            {
                sb.Append(first ? "\n" : ",\n");
                first = false;
                var o = new JsObject { ["registry"] = s.Registry, ["package"] = s.Package, ["stageId"] = s.StageId, ["version"] = s.Version, ["shasum"] = s.Shasum };
                sb.Append(Js.Js.ToJson(o));
            }
            sb.Append("]}\n");
            return new UTF8Encoding(false).GetBytes(sb.ToString());
        }

        /// <summary>Reads a state file's bytes; <see cref="InvalidDataException"/> says what is wrong (the caller names the file).</summary>
        public static ReleaseEventState Parse(byte[] bytes)
        {
            if (bytes.LongLength > MaxBytes) throw new InvalidDataException($"it is larger than {MaxBytes >> 20} MiB");
            string text;
            try { text = new UTF8Encoding(false, true).GetString(bytes); }
            catch (DecoderFallbackException) { throw new InvalidDataException("it is not UTF-8 text"); }
            if (text.Length > 0 && text[0] == '\uFEFF') text = text.Substring(1);
            if (!JsJson.TryParse(text, out var parsed) || !(parsed is JsObject root)) throw new InvalidDataException("it is not a JSON object");
            if (!(root["schema"] is double schema) || schema != 1) throw new InvalidDataException("its schema is not 1 (written by another version of NpmHardening?)");
            var state = new ReleaseEventState();
            if (!(root["emitted"] is List<object?> emitted)) throw new InvalidDataException("it has no 'emitted' array");
            if (!(root["staged"] is List<object?> staged)) throw new InvalidDataException("it has no 'staged' array");
            if (emitted.Count + staged.Count > MaxEntries) throw new InvalidDataException($"it holds more than {MaxEntries} entries");
            for (int i = 0; i < emitted.Count; i++)
            {
                if (!(emitted[i] is string id) || id.Length != 32 || !id.All(IsLowerHex)) throw new InvalidDataException($"emitted[{i}] is not an event id (32 hex digits)");
                state.Emitted.Add(id);
            }
            for (int i = 0; i < staged.Count; i++)
            {
                if (!(staged[i] is JsObject o)) throw new InvalidDataException($"staged[{i}] is not an object");
                string Required(string key) => o[key] is string s && s.Length > 0 && s.Length <= ReleaseEventReader.MaxFieldLength ? s
                    : throw new InvalidDataException($"staged[{i}].{key} is missing or not a short string");
                string? Optional(string key) => o[key] is string s ? (s.Length <= ReleaseEventReader.MaxFieldLength ? s : throw new InvalidDataException($"staged[{i}].{key} is too long"))
                    : o[key] == null || o[key] is JsUndefined ? null : throw new InvalidDataException($"staged[{i}].{key} is not a string");
                var item = new ReleaseEventStagedItem
                {
                    Registry = Required("registry"),
                    Package = Required("package"),
                    StageId = Required("stageId"),
                    Version = Optional("version"),
                    Shasum = Optional("shasum"),
                };
                if (!Registry.NpmStageClient.IsStageId(item.StageId)) throw new InvalidDataException($"staged[{i}].stageId is not a stage id (a UUID)");
                state.Staged.Add(item);
            }
            return state;
        }

        private static bool IsLowerHex(char c) => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    }
}
