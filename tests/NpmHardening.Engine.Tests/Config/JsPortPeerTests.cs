using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using CsCheck;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Tests.Support;

namespace NpmHardening.Engine.Tests.Config
{
    /// <summary>
    /// Differential tests of the JavaScript semantics the engine reproduces, against node: numbers (one
    /// rounding, whatever the length of the literal) and toLowerCase. Each failure prints its input.
    /// </summary>
    public class JsPortPeerTests
    {
        private static string Bits(double d) => BitConverter.DoubleToInt64Bits(d).ToString("x16");

        private static readonly Gen<string> HexDigits = Gen.Char["0123456789abcdefABCDEF"].Array[1, 48].Select(a => new string(a));
        private static readonly Gen<string> Digits = Gen.Char["0123456789"].Array[1, 60].Select(a => new string(a));

        // literals around the places where rounding goes wrong: 2^53 and above, halfway points, sticky tails
        private static readonly Gen<string> NumberLiterals = Gen.OneOf(
            HexDigits.Select(d => "0x" + d),
            Gen.Char["01234567"].Array[1, 60].Select(a => "0o" + new string(a)),
            Gen.Char["01"].Array[1, 120].Select(a => "0b" + new string(a)),
            Gen.Select(Gen.Int[53, 70], Gen.Int[0, 3], Gen.Int[0, 12]).Select((bits, mode, pad) =>
            {
                // 1, then (bits-54) digits, then a round bit and a sticky tail: ties, just above, just below
                var sb = new StringBuilder("1");
                for (int i = 1; i < bits - 1; i++) sb.Append(i % 7 == 0 ? '1' : '0');
                sb.Append(mode == 0 ? "1" : mode == 1 ? "0" : "1");
                sb.Append(mode == 2 ? new string('0', pad) + "1" : new string('0', pad));
                return "0b" + sb;
            }),
            Gen.Select(Digits, Gen.Int[-340, 320]).Select((d, e) => d + "e" + e),
            Gen.Select(Digits, Digits).Select((a, b) => a + "." + b),
            Gen.Select(Digits, Gen.Int[0, 30]).Select((d, z) => "0." + new string('0', z) + d),
            Gen.Const("9007199254740993"), Gen.Const("9007199254740993.0000000000001"), Gen.Const("2.4703282292062327e-324"),
            Gen.Const("2.4703282292062328e-324"), Gen.Const("1.7976931348623157e308"), Gen.Const("1.7976931348623158e308"),
            Gen.Const("1.7976931348623159e308"), Gen.Const("0x1000000000000081"), Gen.Const("0x1000000000000080"),
            Gen.Const("0x1000000000000180"), Gen.Const("-0"), Gen.Const("1e-400"), Gen.Const("1e99999999999999999999"),
            Gen.Const("1" + new string('0', 2000)), Gen.Const("0." + new string('0', 1000) + "1e1000"),
            Gen.Const("4.9406564584124654e-324"), Gen.Const("2.2250738585072011e-308"), Gen.Const("2.2250738585072012e-308"));

        [Fact]
        public void Number_literals_round_once_like_javascript()
        {
            var texts = new List<string>();
            NumberLiterals.Sample(t => texts.Add(t), iter: 3000, threads: 1, seed: "0N0mbers0000");
            var answers = NodePeer.Ask(texts.Select(t => NodePeer.Request("number", ("text", t), ("how", "Number"))).ToList());
            var failures = new List<string>();
            for (int i = 0; i < texts.Count; i++)
            {
                var ours = Bits(Js.Js.ToNumber(texts[i]));
                if (ours != (string)answers[i]["ok"]!) failures.Add($"Number({texts[i]}): node {answers[i]["ok"]} ours {ours}");
            }
            Assert.True(failures.Count == 0, $"{failures.Count} of {texts.Count} differ:\n" + string.Join("\n", failures.Take(10)));
        }

        [Fact]
        public void Json_numbers_and_umask_digits_round_once_like_javascript()
        {
            var decimals = new List<string>();
            Gen.OneOf(Gen.Select(Digits, Gen.Int[-340, 320]).Select((d, e) => "1" + d + "e" + e), Gen.Select(Digits, Digits).Select((a, b) => "1" + a + "." + b))
                .Sample(t => decimals.Add(t), iter: 1000, threads: 1, seed: "0N0mbers0001");
            var octals = new List<string>();
            Gen.Char["01234567"].Array[1, 60].Select(a => "1" + new string(a)).Sample(t => octals.Add(t), iter: 500, threads: 1, seed: "0N0mbers0002");
            var requests = decimals.Select(t => NodePeer.Request("number", ("text", t), ("how", "json")))
                .Concat(decimals.Select(t => NodePeer.Request("number", ("text", t.Split('e', '.')[0]), ("how", "parseInt10"))))
                .Concat(octals.Select(t => NodePeer.Request("number", ("text", t), ("how", "parseInt8")))).ToList();
            var answers = NodePeer.Ask(requests);
            var failures = new List<string>();
            int k = 0;
            foreach (var t in decimals)
            {
                Assert.True(JsJson.TryParse(t, out var parsed), t);
                var ours = Bits((double)parsed!);
                if (ours != (string)answers[k]["ok"]!) failures.Add($"JSON.parse({t}): node {answers[k]["ok"]} ours {ours}");
                k++;
            }
            foreach (var t in decimals)
            {
                var digits = t.Split('e', '.')[0];
                var ours = Bits(ConfigFieldParser.ParseUmask(digits)!.Value);
                if (ours != (string)answers[k]["ok"]!) failures.Add($"umask {digits} (parseInt(…, 10)): node {answers[k]["ok"]} ours {ours}");
                k++;
            }
            foreach (var t in octals)
            {
                var ours = Bits(ConfigFieldParser.ParseUmask("0" + t)!.Value);
                if (ours != (string)answers[k]["ok"]!) failures.Add($"umask 0{t} (parseInt(…, 8)): node {answers[k]["ok"]} ours {ours}");
                k++;
            }
            Assert.True(failures.Count == 0, $"{failures.Count} differ:\n" + string.Join("\n", failures.Take(10)));
        }

        /// <summary>
        /// Every code point, lowered by V8 and by <see cref="JsCase"/>. When node's Unicode version moves on,
        /// regenerate JsCase's table from <c>String.fromCodePoint(cp).toLowerCase()</c> (single-code-point
        /// results) as this test's failure lists them.
        /// </summary>
        [Fact]
        public void Lower_casing_matches_javascript_for_every_code_point_and_final_sigma()
        {
            var sb = new StringBuilder();
            for (int cp = 0; cp <= 0x10FFFF; cp++)
            {
                if (cp >= 0xD800 && cp <= 0xDFFF) continue;
                sb.Append(char.ConvertFromUtf32(cp)).Append('\0');
            }
            var all = sb.ToString();
            var samples = new List<string>
            {
                all, "NPM_CONFIG_İ", "İstanbul", "ΑΣ", "ΑΣ.", "Α'Σ", "ΑΣ'", "ΣΑ", "Σ", "AΣB", "ΑΣ\u0301", "ΑΣ ", "ΑΣ1", "A.Σ", "ΑΣΣ",
                "ΑΣ\u0301Β", "\u0301Σ", "aΣ", "KELVIN K Å", "ẞ", "ǅ", "\uD801\uDC00", "\uD801", "\uDC00A",
            };
            var answers = NodePeer.Ask(samples.Select(t => NodePeer.Request("lower", ("text", t))).ToList());
            var failures = new List<string>();
            var expectedAll = ((string)answers[0]["ok"]!).Split('\0');
            var oursAll = JsCase.ToLowerCase(all).Split('\0');
            var inputs = all.Split('\0');
            for (int i = 0; i < inputs.Length; i++)
                if (expectedAll[i] != oursAll[i])
                    failures.Add($"U+{char.ConvertToUtf32(inputs[i], 0):X4}: node {Js.Js.ToJson(expectedAll[i])} ours {Js.Js.ToJson(oursAll[i])}");
            for (int i = 1; i < samples.Count; i++)
                if ((string)answers[i]["ok"]! != JsCase.ToLowerCase(samples[i]))
                    failures.Add($"{Js.Js.ToJson(samples[i])}: node {Js.Js.ToJson(answers[i]["ok"])} ours {Js.Js.ToJson(JsCase.ToLowerCase(samples[i]))}");
            Assert.True(failures.Count == 0, $"{failures.Count} differ:\n" + string.Join("\n", failures.Take(20)));
        }
    }
}
