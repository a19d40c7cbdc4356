using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Registry;
using NpmHardening.Engine.Tests.Support;

namespace NpmHardening.Engine.Tests.Registry
{
    /// <summary>
    /// Which credential keys npm can ever use, decided by the module (<see cref="NerfDart.ParseScope"/>) and by npm's
    /// own URL parser in node: a key is usable when its host part is the <c>.host</c> and its path part the
    /// <c>.pathname</c> of some http(s) URL, because npm-registry-fetch only ever looks up such keys.
    /// </summary>
    public class NerfDartScopePeerTests
    {
        // The keys of issue 10 B, and their neighbours: user info, numeric and short IPv4, fragments, case, ports, IPv6, IDN.
        public static readonly string[] Known =
        {
            "//127.0.0.2:2443@127.0.0.1:1443/", "//2130706434:2443/", "//127.2:2443/", "//127.0.0.1:1443#@127.0.0.2:2443/",
            "//127.0.0.1:1443/", "//127.0.0.1:1443", "//127.0.0.1:1443/npm/", "//127.0.0.1:1443/npm", "//0x7f.1/", "//0177.0.0.1/",
            "//127.000.0.1/", "//1.2.3.4./", "//1.2.3.256/", "//foo.123/", "//foo.0x/", "//Registry.npmjs.org/", "//registry.npmjs.org/",
            "//registry.npmjs.org:443/", "//registry.npmjs.org:0443/", "//registry.npmjs.org:/", "//registry.npmjs.org:65536/",
            "//r.example:80/", "//r.example:0/", "//[::1]:4873/", "//[0:0:0:0:0:0:0:1]/", "//[::FFFF:127.0.0.1]/", "//[::ffff:7f00:1]/",
            "//[::1%25lo]/", "//[fe80::1]/", "//xn--bcher-kva.example/", "//bücher.example/", "//xn--abc/", "//a..b/", "//a_b.example/",
            "//user@r.example/", "//r.example?x/", "//r.example/a b/", "//r.example/a%20b/", "//r.example/./", "//r.example/a/%2e%2E/",
            "//r.example/a\\b/", "//r.example/a#b/", "//r.example/a^b|c/", "//r.example/{x}/", "//", "//:443/", "//r.example/%zz/",
            "//localhost:4873/", "//LOCALHOST/", "//r.ex ample/", "//r.example\t/",
        };

        [Fact]
        public void Usable_keys_are_the_ones_npm_can_match()
        {
            var keys = Known.Concat(Generated(3000)).Distinct().ToList();
            var answers = NodePeer.Ask(keys.Select(k => NodePeer.Request("nerfKey", ("key", k))).ToList());
            var disagreements = new List<string>();
            int usable = 0;
            for (int i = 0; i < keys.Count; i++)
            {
                bool npm = answers[i]["ok"] is true;
                if (npm) usable++;
                bool ours = NerfDart.ParseScope(keys[i], out _) != null;
                if (npm != ours) disagreements.Add($"{Js.Js.ToJson(keys[i])}: npm {(npm ? "uses" : "never uses")} it, we say {(ours ? "usable" : "unusable")}");
            }
            Assert.True(disagreements.Count == 0, string.Join("\n", disagreements.Take(40)));
            // the corpus must exercise both answers, or agreement would mean little
            Assert.InRange(usable, keys.Count / 20, keys.Count - keys.Count / 20);
        }

        [Theory]
        [InlineData("//127.0.0.2:2443@127.0.0.1:1443/")]
        [InlineData("//2130706434:2443/")]
        [InlineData("//127.2:2443/")]
        [InlineData("//127.0.0.1:1443#@127.0.0.2:2443/")]
        [InlineData("//REGISTRY.npmjs.org/")]
        public void A_key_npm_never_uses_is_refused_before_any_request(string scope)
        {
            var target = RegistryEndpoint.Resolve(scope, new[] { "http://127.0.0.1:1443/" });
            Assert.True(target.IsRefused);
            Assert.Contains("npm never sends a credential under this key", target.Refusal);
        }

        [Theory]
        [InlineData("//127.0.0.1:1443/", "http://127.0.0.1:1443/", "http://127.0.0.1:1443/")]
        [InlineData("//r.example/", "https://r.example/npm/", "https://r.example/npm/")]        // npm walks up from /npm/ to this key
        [InlineData("//r.example/npm", "https://r.example/npm/", "https://r.example/npm/")]
        [InlineData("//r.example/other/", "https://r.example/npm/", "https://r.example/other/")] // no registry uses it: https to the key
        [InlineData("//[::1]:4873/", "http://[::1]:4873/", "http://[::1]:4873/")]
        public void A_usable_key_goes_to_the_registry_npm_uses_it_for(string scope, string registry, string expected)
        {
            var target = RegistryEndpoint.Resolve(scope, new[] { registry });
            Assert.False(target.IsRefused, target.Refusal);
            Assert.Equal(expected, target.Url);
        }

        [Theory]
        [InlineData("http://localhost./", false)]
        [InlineData("http://127.0.0.1/", true)]
        [InlineData("http://127.9.9.9/", true)]
        [InlineData("http://[::1]/", true)]
        [InlineData("http://[::ffff:7f00:1]/", true)]
        [InlineData("http://localhost:4873/", true)]
        [InlineData("http://localtest.me/", false)] // a public name that resolves to 127.0.0.1: DNS can change its answer
        [InlineData("http://10.0.0.1/", false)]
        public void Plain_http_is_only_for_loopback_addresses_and_localhost(string url, bool allowed)
        {
            Assert.Equal(allowed, RegistryEndpoint.CheckTransport(new Uri(url)) == null);
        }

        /// <summary>Keys built from the characters URL parsers disagree on, in the shapes nerf darts take.</summary>
        private static IEnumerable<string> Generated(int count)
        {
            var hostChar = Gen.OneOfConst('a', 'B', 'x', '0', '1', '7', '9', '.', '.', '-', '_', '@', '#', '?', ':', '%', '[', ']', '\\', ' ', 'é', '~', '^', '|', '!');
            var label = Gen.OneOf(
                Gen.OneOfConst("127", "0", "1", "255", "256", "0x7f", "0X7F", "00", "010", "2130706434", "xn--bcher-kva", "xn--abc", "localhost", "example", "Example", "a"),
                hostChar.Array[1, 6].Select(a => new string(a)));
            var host = Gen.OneOf(
                label.Array[1, 5].Select(l => string.Join(".", l)),
                Gen.OneOfConst("[::1]", "[::FFFF:127.0.0.1]", "[0::1]", "[fe80::1%25x]", "[::ffff:7f00:1]", "[1:2:3:4:5:6:7:8]", "[::]"));
            var port = Gen.OneOf(Gen.Const(""), Gen.OneOfConst(":", ":0", ":80", ":443", ":0443", ":65535", ":65536", ":1443#@x", ":1@h"), Gen.Int[0, 70000].Select(p => ":" + p));
            var pathChar = Gen.OneOfConst('a', 'Z', '/', '/', '.', '%', '2', 'e', 'E', ' ', '#', '?', '\\', '^', '|', '{', '"', '`', '@', ':', '~');
            var path = Gen.OneOf(Gen.Const(""), Gen.Const("/"), pathChar.Array[1, 8].Select(a => "/" + new string(a)));
            var key = Gen.Select(host, port, path, (h, p, q) => "//" + h + p + q);
            return key.Array[count].Single();
        }
    }
}
