using System;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Registry;
using NpmHardening.Engine.Releases;
using NpmHardening.Engine.Tests.Registry;
using Xunit;

namespace NpmHardening.Engine.Tests.Releases
{
    /// <summary>The release client over a loopback registry: the document streamed past the 8 MB JSON bound, keys, errors.</summary>
    public class ReleaseClientTests
    {
        [Fact]
        public void A_document_larger_than_the_JSON_bound_is_streamed_and_read()
        {
            var f = new PackumentFixture("@acme/big");
            for (int i = 0; i < 40; i++) f.Add("1.0." + i, $"2026-01-01T00:00:{i:00}.000Z", i % 2 == 0 ? "token" : "oidc");
            var doc = f.Document();
            doc["readme"] = new string('r', 12 * 1024 * 1024);
            var body = doc.ToJsonString();
            using var server = new LoopbackRegistry(r => r.Path == "/@acme%2fbig" ? FakeResponse.Json(body) : FakeResponse.Json("{\"error\":\"Not found\"}", 404));
            using var transport = new RegistryTransport(new RegistryClientOptions { Timeout = TimeSpan.FromSeconds(20) });
            var client = new NpmReleaseClient(transport);
            var packument = client.GetPackument(server.Url, null, "@acme/big");
            Assert.Equal(40, packument.Releases.Count);
            Assert.True(packument.Bytes > RegistryTransport.MaxBodyBytes);
            Assert.Equal("application/json", server.Requests.Single().Header("accept"));
            Assert.All(packument.Releases, r => Assert.Equal(RegistryEndpoint.Safe(server.Url), r.Registry));

            // the same answer past a smaller limit is an InvalidResponse naming the limit
            var e = Assert.Throws<RegistryException>(() => client.GetPackument(server.Url, null, "@acme/big", maxBytes: 1024 * 1024));
            Assert.Equal(RegistryErrorKind.InvalidResponse, e.Kind);
            Assert.Contains("1 MB", e.Message);
            Assert.Equal(RegistryErrorKind.NotFound, Assert.Throws<RegistryException>(() => client.GetPackument(server.Url, null, "missing")).Kind);
        }

        [Fact]
        public void Not_JSON_is_an_InvalidResponse_naming_the_URL()
        {
            using var server = new LoopbackRegistry(r => new FakeResponse { Body = "<html>proxy login</html>", ContentType = "text/html" });
            using var transport = new RegistryTransport();
            var e = Assert.Throws<RegistryException>(() => new NpmReleaseClient(transport).GetPackument(server.Url, null, "left-pad"));
            Assert.Equal(RegistryErrorKind.InvalidResponse, e.Kind);
            Assert.Contains("/left-pad", e.Message);
            Assert.Contains("not a valid package document", e.Message);
        }

        [Theory]
        [InlineData(404)]
        [InlineData(400)]
        public void A_registry_without_keys_does_not_sign(int status)
        {
            using var server = new LoopbackRegistry(r => FakeResponse.Json("{\"error\":\"no\"}", status));
            using var transport = new RegistryTransport();
            var keys = new NpmReleaseClient(transport).GetKeys(server.Url);
            Assert.False(keys.Signs);
            Assert.Empty(keys.Keys);
            Assert.Equal("/-/npm/v1/keys", server.Requests.Single().Path);
            // the keys are public: no credential goes with the request
            Assert.Null(server.Requests.Single().Authorization);
        }

        [Fact]
        public void Other_key_failures_are_errors_as_for_npm()
        {
            using var server = new LoopbackRegistry(r => FakeResponse.Json("{\"error\":\"down\"}", 500));
            using var transport = new RegistryTransport();
            Assert.Equal(RegistryErrorKind.HttpStatus, Assert.Throws<RegistryException>(() => new NpmReleaseClient(transport).GetKeys(server.Url)).Kind);
        }
    }
}
