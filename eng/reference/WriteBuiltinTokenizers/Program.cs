// Writes the builtin tokenizers into <out>/llama and <out>/gpt_neox so that reference tools can encode with them.
using MedTune.Checkpoints.Tokenization;

var output = args.Length == 1 ? args[0] : throw new ArgumentException("usage: dotnet run --project eng/reference/WriteBuiltinTokenizers -- <output-directory>");
var clock = System.Diagnostics.Stopwatch.StartNew();
foreach (var family in BuiltinTokenizers.Families)
{
    var size = BuiltinTokenizers.Write(family, Path.Combine(output, family));
    Console.WriteLine($"{family}: vocab {size} ({clock.ElapsedMilliseconds} ms)");
    clock.Restart();
}
