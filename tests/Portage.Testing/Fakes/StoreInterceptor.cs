using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Portage.Core;

namespace Portage.Testing.Fakes;

/// <summary>
/// Wraps one storage seam of the real store so a test can fail, delay or hold a chosen call (a database that refuses a
/// write, a race at a chosen point) while every other call reaches the real store unchanged.
/// </summary>
public static class StoreInterceptor
{
    /// <summary>Registers the seam <typeparamref name="T"/> as the real store seen through <paramref name="hook"/>.</summary>
    public static void Replace<T>(IServiceCollection services, Func<StoreCall, object?> hook) where T : class =>
        services.Replace(ServiceDescriptor.Singleton(sp => Wrap((T)sp.GetRequiredService<IPortageStore>(), hook)));

    /// <summary>The seam <paramref name="inner"/> seen through <paramref name="hook"/>.</summary>
    public static T Wrap<T>(T inner, Func<StoreCall, object?> hook) where T : class
    {
        var proxy = DispatchProxy.Create<T, InterceptingProxy<T>>();
        ((InterceptingProxy<T>)(object)proxy).Attach(inner, hook);
        return proxy;
    }
}

/// <summary>The proxy behind <see cref="StoreInterceptor"/>.</summary>
public class InterceptingProxy<T> : DispatchProxy where T : class
{
    private T _inner = null!;
    private Func<StoreCall, object?> _hook = null!;

    internal void Attach(T inner, Func<StoreCall, object?> hook) => (_inner, _hook) = (inner, hook);

    /// <inheritdoc/>
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        return _hook(new StoreCall(targetMethod.Name, args ?? [], () =>
        {
            try
            {
                return targetMethod.Invoke(_inner, args);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                throw ex.InnerException;
            }
        }));
    }
}

/// <summary>One call of a seam: its method name, its arguments, and the real store's answer (call <see cref="Proceed"/>).</summary>
public sealed record StoreCall(string Method, object?[] Args, Func<object?> Proceed);
