using System.Collections.Concurrent;
using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Portage.Testing.Skipping;

/// <summary>
/// xunit's own framework, with one change: a test that fails with <see cref="SkipException"/> is reported skipped,
/// with the exception's message as the reason, and the run totals count it as skipped. A test assembly opts in with
/// <c>[assembly: TestFramework("Portage.Testing.Skipping.DynamicSkipTestFramework", "Portage.Testing")]</c>.
/// </summary>
public sealed class DynamicSkipTestFramework(IMessageSink messageSink) : XunitTestFramework(messageSink)
{
    protected override ITestFrameworkExecutor CreateExecutor(AssemblyName assemblyName) =>
        new Executor(assemblyName, SourceInformationProvider, DiagnosticMessageSink);

    private sealed class Executor(AssemblyName assemblyName, ISourceInformationProvider sourceInformationProvider, IMessageSink diagnosticMessageSink)
        : XunitTestFrameworkExecutor(assemblyName, sourceInformationProvider, diagnosticMessageSink)
    {
        // What the base does, with the execution messages going through the skipping sink.
        protected override async void RunTestCases(IEnumerable<IXunitTestCase> testCases, IMessageSink executionMessageSink, ITestFrameworkExecutionOptions executionOptions)
        {
            using var runner = new XunitTestAssemblyRunner(TestAssembly, testCases, DiagnosticMessageSink, new SkippingSink(executionMessageSink, DiagnosticMessageSink), executionOptions);
            await runner.RunAsync();
        }
    }

    // Turns the failures into skips and moves them from "failed" to "skipped" in every summary above the test. The
    // levels are keyed by name, as xunit groups them (test cases of one method need not share one ITestMethod object).
    private sealed class SkippingSink(IMessageSink inner, IMessageSink diagnostics) : IMessageSink
    {
        private static readonly string s_skipType = typeof(SkipException).FullName!;
        private readonly ConcurrentDictionary<string, int> _skips = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, bool> _reasons = new(StringComparer.Ordinal);
        private int _assemblySkips;

        public bool OnMessage(IMessageSinkMessage message) => inner.OnMessage(message switch
        {
            ITestFailed failed when failed.ExceptionTypes.FirstOrDefault() == s_skipType => Skip(failed),
            ITestCaseFinished f when Take(Key(f.TestCase)) is var n and > 0 =>
                new TestCaseFinished(f.TestCase, f.ExecutionTime, f.TestsRun, f.TestsFailed - n, f.TestsSkipped + n),
            ITestMethodFinished f when Take(Key(f.TestMethod)) is var n and > 0 =>
                new TestMethodFinished(f.TestCases, f.TestMethod, f.ExecutionTime, f.TestsRun, f.TestsFailed - n, f.TestsSkipped + n),
            ITestClassFinished f when Take(Key(f.TestClass)) is var n and > 0 =>
                new TestClassFinished(f.TestCases, f.TestClass, f.ExecutionTime, f.TestsRun, f.TestsFailed - n, f.TestsSkipped + n),
            ITestCollectionFinished f when Take(Key(f.TestCollection)) is var n and > 0 =>
                new TestCollectionFinished(f.TestCases, f.TestCollection, f.ExecutionTime, f.TestsRun, f.TestsFailed - n, f.TestsSkipped + n),
            ITestAssemblyFinished f when _assemblySkips is var n and > 0 =>
                new TestAssemblyFinished(f.TestCases, f.TestAssembly, f.ExecutionTime, f.TestsRun, f.TestsFailed - n, f.TestsSkipped + n),
            _ => message,
        });

        private static string Key(ITestCase testCase) => "case " + testCase.UniqueID;

        private static string Key(ITestMethod method) => $"method {Key(method.TestClass)} {method.Method.Name}";

        private static string Key(ITestClass testClass) => $"class {Key(testClass.TestCollection)} {testClass.Class.Name}";

        private static string Key(ITestCollection collection) => "collection " + collection.UniqueID;

        private TestSkipped Skip(ITestFailed failed)
        {
            var method = failed.TestCase.TestMethod;
            foreach (var key in new[] { Key(failed.TestCase), Key(method), Key(method.TestClass), Key(method.TestClass.TestCollection) })
            {
                _skips.AddOrUpdate(key, 1, (_, n) => n + 1);
            }

            Interlocked.Increment(ref _assemblySkips);
            var reason = failed.Messages.FirstOrDefault() ?? "skipped";
            if (_reasons.TryAdd(reason, true))
            {
                // Once per reason, as a warning in the run's output (the test runner shows skip reasons only when verbose).
                diagnostics.OnMessage(new DiagnosticMessage(reason));
            }

            return new TestSkipped(failed.Test, reason);
        }

        private int Take(string key) => _skips.TryRemove(key, out var n) ? n : 0;
    }
}
