using System;
using System.Collections.Generic;
using System.Text.Json;
using NpmHardening.Engine.Js;

namespace NpmHardening.Engine.Tests.Config
{
    /// <summary>
    /// JsJson reads a string without escapes in one piece and any other character by character: both ways must give
    /// what a JSON parser gives (System.Text.Json here), for strings with and without escapes, control characters and
    /// unterminated ones, as a value and as an object's key.
    /// </summary>
    public sealed class JsJsonStringTests
    {
        [Fact]
        public void Strings_read_whole_or_by_character_are_what_a_JSON_parser_reads()
        {
            // quote, backslash, escape letters, a control character, a non-ASCII letter and plain letters
            var alphabet = new[] { '"', '\\', 'n', 'u', '0', 'a', '\t', '\u00e9', 'b', ' ' };
            var random = new Random(11);
            var cases = new List<string> { "\"\"", "\"abc\"", "\"a\\\"b\"", "\"a\\\\\"", "\"\\u00e9x\"", "\"a\tb\"", "\"abc", "\"a\\", "\"\\q\"" };
            for (var i = 0; i < 20000; i++)
            {
                var chars = new char[random.Next(0, 8)];
                for (var j = 0; j < chars.Length; j++) chars[j] = alphabet[random.Next(alphabet.Length)];
                cases.Add("\"" + new string(chars) + (random.Next(4) == 0 ? "" : "\""));
            }
            var accepted = 0;
            foreach (var literal in cases)
            {
                foreach (var text in new[] { literal, "{" + literal + ":1}" })
                {
                    string? expected;
                    try
                    {
                        using var document = JsonDocument.Parse(text);
                        expected = document.RootElement.ValueKind == JsonValueKind.String
                            ? document.RootElement.GetString()
                            : Only(document.RootElement.EnumerateObject()).Name;
                    }
                    catch (JsonException) { expected = null; }
                    var parsed = JsJson.TryParse(text, out var value);
                    Assert.True(parsed == (expected != null), "text: " + text);
                    if (!parsed) continue;
                    accepted++;
                    var actual = value is string s ? s : Only(((JsObject)value!).Keys);
                    Assert.True(expected == actual, "text: " + text);
                }
            }
            Assert.True(accepted > 5000, "accepted " + accepted); // both ways were taken often
        }

        private static T Only<T>(IEnumerable<T> items)
        {
            using var e = items.GetEnumerator();
            Assert.True(e.MoveNext());
            var first = e.Current;
            Assert.False(e.MoveNext());
            return first;
        }
    }
}
