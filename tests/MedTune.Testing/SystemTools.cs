using System.Diagnostics;

namespace MedTune.Testing;

/// <summary>
/// Debian tools some tests need (Chromium, python3 with onnx or numpy), which CI installs with
/// <c>eng/ci/install-system-deps.sh</c>. Tests that use them carry <c>[Trait("Category", "SystemTools")]</c>, which the
/// README's unit-test command leaves out; when such a test runs and its tool is missing it FAILS saying what to
/// install — it never skips or returns early, so CI cannot go green without the check.
/// </summary>
public static class SystemTools
{
    /// <summary>The first existing executable among <paramref name="candidates"/>; fails the test naming the package when none exists.</summary>
    public static string RequireExecutable(string debianPackage, params string[] candidates) =>
        candidates.FirstOrDefault(File.Exists)
        ?? throw new Xunit.Sdk.XunitException(
            $"{string.Join(" or ", candidates)} not found: install the Debian package '{debianPackage}' (eng/ci/install-system-deps.sh). "
            + "This test is in the SystemTools category, which the README's unit-test command leaves out.");

    /// <summary>A python3 that can import <paramref name="module"/>; fails the test naming the package when there is none.</summary>
    public static string RequirePython(string module, string debianPackage)
    {
        foreach (var candidate in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                using var process = Process.Start(new ProcessStartInfo(candidate, ["-c", $"import {module}"])
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                })!;
                process.WaitForExit(60_000);
                if (process.HasExited && process.ExitCode == 0) return candidate;
            }
            catch (System.ComponentModel.Win32Exception) { }
        }
        throw new Xunit.Sdk.XunitException(
            $"no python3 that can 'import {module}': install the Debian package '{debianPackage}' (eng/ci/install-system-deps.sh). "
            + "This test is in the SystemTools category, which the README's unit-test command leaves out.");
    }
}
