using System.Text.Json;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Portage.Client;

namespace Portage.Server.Tests.Readme;

/// <summary>
/// Compiles a README ```csharp block the way a reader uses it: as the Program.cs of a new console app
/// (<c>dotnet new console</c>, whose implicit usings and nullable checks apply) that references Portage.Client, and
/// nothing else. Roslyn compiles it in process (no <c>dotnet build</c>) into a folder with the SDK's assemblies and a
/// runtimeconfig.json, so it runs as its own process: <c>dotnet snippet.dll</c>.
/// </summary>
internal static class CSharpSnippet
{
    // What ImplicitUsings=enable gives a console project (Microsoft.NET.Sdk).
    private const string ImplicitUsings =
        "global using System;\nglobal using System.Collections.Generic;\nglobal using System.IO;\nglobal using System.Linq;\n" +
        "global using System.Net.Http;\nglobal using System.Threading;\nglobal using System.Threading.Tasks;\n";

    /// <summary>Compiles <paramref name="fence"/> into <paramref name="folder"/>; returns the dll to run. Fails the test on any warning or error.</summary>
    public static string Compile(Fence fence, string folder)
    {
        Directory.CreateDirectory(folder);
        // Portage.Client and what a project reference to it brings along (Microsoft.Extensions.AI.Abstractions, for AsChatClient).
        var sdk = new[]
        {
            typeof(AgentRouter).Assembly.Location, typeof(Protocol.Runs.AgentEvent).Assembly.Location,
            typeof(Microsoft.Extensions.AI.IChatClient).Assembly.Location,
        };
        var framework = Directory.GetFiles(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "*.dll")
            .Where(IsManagedAssembly);
        var compilation = CSharpCompilation.Create(
            "snippet",
            [
                CSharpSyntaxTree.ParseText(ImplicitUsings, path: "GlobalUsings.g.cs"),
                CSharpSyntaxTree.ParseText(fence.Text, new CSharpParseOptions(LanguageVersion.Latest), path: $"README.md:{fence.Line}"),
            ],
            framework.Concat(sdk).Select(p => MetadataReference.CreateFromFile(p)),
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));

        var dll = Path.Combine(folder, "snippet.dll");
        var result = compilation.Emit(dll);
        var problems = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()).ToList();
        Assert.True(result.Success && problems.Count == 0, $"{fence} does not compile as a console app:\n{string.Join('\n', problems)}");

        foreach (var assembly in sdk)
        {
            File.Copy(assembly, Path.Combine(folder, Path.GetFileName(assembly)), overwrite: true);
        }

        var runtimeConfig = new
        {
            runtimeOptions = new
            {
                tfm = "net10.0",
                framework = new { name = "Microsoft.NETCore.App", version = Environment.Version.ToString() },
            },
        };
        File.WriteAllText(Path.Combine(folder, "snippet.runtimeconfig.json"), JsonSerializer.Serialize(runtimeConfig));
        return dll;
    }

    // The shared framework folder also holds native libraries; only assemblies are references.
    private static bool IsManagedAssembly(string path)
    {
        try
        {
            System.Reflection.AssemblyName.GetAssemblyName(path);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }
}
