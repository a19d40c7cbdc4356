using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using NpmHardening.Engine.Registry;
using NpmHardening.Engine.Tests.Support;

namespace NpmHardening.Engine.Tests.Registry
{
    /// <summary>Two Verdaccio registries, A and B, each with its own user, started once for the tests below.</summary>
    public sealed class TwoVerdaccios : IDisposable
    {
        public const string Password = "correct-horse-battery";

        public TwoVerdaccios()
        {
            var a = Task.Run(() => new VerdaccioRegistry());
            var b = Task.Run(() => new VerdaccioRegistry());
            A = a.GetAwaiter().GetResult();
            B = b.GetAwaiter().GetResult();
            TokenA = A.AddUser("alice", Password);
            TokenB = B.AddUser("bob", Password);
        }

        public VerdaccioRegistry A { get; }
        public VerdaccioRegistry B { get; }
        public string TokenA { get; }
        public string TokenB { get; }

        public void Dispose()
        {
            A.Dispose();
            B.Dispose();
        }
    }

    [CollectionDefinition(nameof(VerdaccioCollection))]
    public sealed class VerdaccioCollection : ICollectionFixture<TwoVerdaccios> { }

    [Collection(nameof(VerdaccioCollection))]
    public class VerdaccioTests
    {
        private readonly TwoVerdaccios _v;
        public VerdaccioTests(TwoVerdaccios v) { _v = v; }

        [Fact]
        public void Whoami_with_a_login_token_names_the_user()
        {
            using var client = new NpmRegistryClient(new RegistryClientOptions());
            Assert.Equal("alice", client.WhoAmI(_v.A.Url, RegistryCredential.FromToken(_v.TokenA)));
            var account = client.GetAccount(_v.A.Url, RegistryCredential.FromToken(_v.TokenA));
            Assert.Equal("alice", account.User);
            Assert.True(account.ProfileAvailable); // Verdaccio serves /-/npm/v1/user, with tfa: false
            Assert.Equal("disabled", account.TwoFactorMode);
            Assert.Equal("alice", client.WhoAmI(_v.A.Url, RegistryCredential.FromUserPassword("alice", TwoVerdaccios.Password)));
        }

        [Fact]
        public void A_wrong_token_is_not_valid()
        {
            using var client = new NpmRegistryClient(new RegistryClientOptions());
            var wrong = "x" + _v.TokenA.Substring(1);
            var check = client.CheckToken(_v.A.Scope, new[] { _v.A.Url }, wrong);
            Assert.False(check.Valid);
            Assert.Null(check.User);
            // B's token is B's: A does not know it either
            Assert.False(client.CheckToken(_v.A.Scope, new[] { _v.A.Url }, _v.TokenB).Valid);
            var good = client.CheckToken(_v.A.Scope, new[] { _v.A.Url }, _v.TokenA);
            Assert.True(good.Valid);
            Assert.Equal("alice", good.User);
            Assert.Equal("disabled", good.TwoFactorMode);
        }

        [Fact]
        public void A_token_scoped_to_A_never_reaches_B()
        {
            using var client = new NpmRegistryClient(new RegistryClientOptions());
            _v.B.Settle();
            int before = _v.B.RequestLog.Length;
            int authorizedBefore = _v.B.AuthorizedRequests;
            // B is the default registry and listed first: the scope decides, not the order
            var check = client.CheckToken(_v.A.Scope, new[] { _v.B.Url, _v.A.Url }, _v.TokenA);
            Assert.True(check.Valid);
            Assert.Equal(_v.A.Url, check.Registry);

            // npm's lookup over a config with registry=B and only A's token: nothing for B
            var config = new Dictionary<string, string> { ["registry"] = _v.B.Url, [_v.A.Scope + ":_authToken"] = _v.TokenA };
            (object?, string?)? Lookup(string k) => config.TryGetValue(k, out var v) ? (v, "test") : null;
            Assert.Null(RegistryCredentials.ForUrl(Lookup, _v.B.Url + "-/whoami"));
            Assert.Equal(_v.A.Scope, RegistryCredentials.ForUrl(Lookup, _v.A.Url + "-/whoami")!.Scope);

            _v.B.Settle();
            Assert.Equal(before, _v.B.RequestLog.Length);
            Assert.Equal(authorizedBefore, _v.B.AuthorizedRequests);

            // the log does show authorized requests when B is the target (so the assertion above can fail)
            Assert.True(client.CheckToken(_v.B.Scope, new[] { _v.A.Url, _v.B.Url }, _v.TokenB).Valid);
            _v.A.Settle();
            _v.B.Settle();
            Assert.True(_v.B.AuthorizedRequests > authorizedBefore);
            Assert.All(_v.B.RequestLog.Concat(_v.A.RequestLog), line => Assert.DoesNotContain(_v.TokenA, line));
        }

        [Fact]
        public void The_token_list_finds_the_current_token_in_Verdaccio_s_listing()
        {
            var (token, key) = _v.A.CreateToken(_v.TokenA, TwoVerdaccios.Password, readOnly: true);
            using var client = new NpmRegistryClient(new RegistryClientOptions());
            var tokens = client.GetTokens(_v.A.Url, RegistryCredential.FromToken(token));
            var current = Assert.Single(tokens, t => t.IsCurrent);
            Assert.Equal(key, current.Key);
            Assert.True(current.Readonly);
            Assert.Equal(Credentials.NpmCredential.Redact(token), current.Redacted);
            var check = client.CheckToken(_v.A.Scope, new[] { _v.A.Url }, token);
            Assert.True(check.Valid);
            Assert.True(check.Readonly);
            Assert.False(check.HasCidr);
        }

        [Fact]
        public void An_http_scope_on_a_remote_host_is_refused_without_a_request()
        {
            using var client = new NpmRegistryClient(new RegistryClientOptions());
            _v.A.Settle();
            _v.B.Settle();
            int a = _v.A.RequestLog.Length, b = _v.B.RequestLog.Length;
            var check = client.CheckToken("//registry.example.com/", new[] { "http://registry.example.com/" }, _v.TokenA);
            Assert.True(check.Refused);
            Assert.Null(check.Valid);
            _v.A.Settle();
            _v.B.Settle();
            Assert.Equal(a, _v.A.RequestLog.Length);
            Assert.Equal(b, _v.B.RequestLog.Length);
        }
    }
}
