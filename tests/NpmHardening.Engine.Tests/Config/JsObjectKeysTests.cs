using System.Linq;
using NpmHardening.Engine.Js;
using Xunit;

namespace NpmHardening.Engine.Tests.Config
{
    public class JsObjectKeysTests
    {
        [Fact]
        public void Keys_list_array_indexes_numerically_first_then_the_rest_in_insertion_order()
        {
            // Object.keys({b:1, 10:1, 2:1, a:1, 4294967294:1, 4294967295:1, "01":1, 0:1, 9:1}) in node:
            // [ '0', '2', '9', '10', '4294967294', 'b', 'a', '4294967295', '01' ]
            var o = new JsObject();
            foreach (var k in new[] { "b", "10", "2", "a", "4294967294", "4294967295", "01", "0", "9" }) o[k] = 1.0;
            Assert.Equal(new[] { "0", "2", "9", "10", "4294967294", "b", "a", "4294967295", "01" }, o.Keys.ToArray());
        }

        [Fact]
        public void Keys_without_array_indexes_keep_insertion_order()
        {
            var o = new JsObject();
            foreach (var k in new[] { "z", "-1", "1.5", "a" }) o[k] = null;
            Assert.Equal(new[] { "z", "-1", "1.5", "a" }, o.Keys.ToArray());
        }
    }
}
