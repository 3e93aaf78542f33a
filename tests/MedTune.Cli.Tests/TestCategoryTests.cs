using MedTune.Testing;

namespace MedTune.Cli.Tests;

/// <summary>Issue 12 item 2: a SystemTools test whose tool is missing fails with the reason (it never skips or returns early).</summary>
public sealed class TestCategoryTests
{
    [Fact]
    public void A_missing_executable_fails_the_test_naming_the_package()
    {
        var error = Assert.ThrowsAny<Exception>(() => SystemTools.RequireExecutable("chromium", "/nonexistent/chromium"));
        Assert.IsAssignableFrom<Xunit.Sdk.IAssertionException>(error);
        Assert.Contains("install the Debian package 'chromium'", error.Message);
        Assert.Contains("SystemTools", error.Message);
    }

    [Fact]
    public void A_missing_python_module_fails_the_test_naming_the_package()
    {
        var error = Assert.ThrowsAny<Exception>(() => SystemTools.RequirePython("medtune_no_such_module", "python3-nothing"));
        Assert.Contains("install the Debian package 'python3-nothing'", error.Message);
    }
}
