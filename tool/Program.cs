using MedTune.Tool;
using MedTune.Tool.Infrastructure;

NativeHeap.ReturnLargeBlocksToSystem();
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl+C: stop at the next safe point (stages write to temp dirs, so nothing half-written is published).
    e.Cancel = true;
    cancellation.Cancel();
};
return await MedTuneApp.RunAsync(args, cancellationToken: cancellation.Token);
