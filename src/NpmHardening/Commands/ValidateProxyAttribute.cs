using System;
using System.Management.Automation;
using NpmHardening.Engine.Registry;

namespace NpmHardening.Commands
{
    /// <summary>-Proxy: an absolute http, https or socks URL (what <see cref="RegistryProxy.FromParameter"/> accepts).</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class ValidateProxyAttribute : ValidateArgumentsAttribute
    {
        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            if (arguments is Uri uri) RegistryProxy.FromParameter(uri); // throws ArgumentException with the reason
        }
    }
}
