namespace NpmHardening.Engine.Js
{
    /// <summary>
    /// What <c>process.env[name]</c> yields in node for a name no variable has: process.env inherits from
    /// Object.prototype, so npm's <c>${constructor}</c> or <c>${toString}</c> expands to the text of a
    /// function and <c>${__proto__}</c> to "[object Object]" (String() of each, as npm concatenates them).
    /// The strings are node's (V8's Function.prototype.toString of native functions; node 20's process.env
    /// constructor is an anonymous native function).
    /// </summary>
    internal static class JsProcessEnv
    {
        public static string? Inherited(string name)
        {
            switch (name)
            {
                case "constructor": return "function () { [native code] }";
                case "__proto__": return "[object Object]";
                case "__defineGetter__":
                case "__defineSetter__":
                case "hasOwnProperty":
                case "__lookupGetter__":
                case "__lookupSetter__":
                case "isPrototypeOf":
                case "propertyIsEnumerable":
                case "toString":
                case "valueOf":
                case "toLocaleString":
                    return "function " + name + "() { [native code] }";
                default:
                    return null;
            }
        }
    }
}
