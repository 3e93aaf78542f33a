using System.Collections.Concurrent;

namespace MedTune.Pipeline;

/// <summary>
/// Runs one stage on a thread of its own that ends with the stage; the stage's awaits come back to that thread.
/// <para>
/// Why not the thread pool: libtorch's CPU kernels run on OpenMP (libgomp), and libgomp keeps a team of worker
/// threads for every thread that has ever called a parallel kernel, for as long as that thread lives. Once it manages
/// more threads than there are cores, every libgomp team in the process stops spin-waiting between kernels and
/// sleeps on a futex instead, which makes the many small kernels of a LoRA step several times slower. Pool threads
/// live on after a stage, so a stage that once ran beside a training (another model's export, say) slowed that
/// training for the rest of the run: on the two-variant quickstart matrix with <c>--jobs 2</c>, the process made
/// 291,623 voluntary context switches against 1,970 with <c>--jobs 1</c>. When a stage's own thread ends, libgomp
/// releases its team, and the training that is still running spins again (with stage threads: 7,953 to 11,574 in
/// three runs, most of them ONNX Runtime's evaluation threads, which wait rather than spin when stages share).
/// </para>
/// <para>This changes only where the work runs, never what it computes: each stage still uses libtorch's thread count.</para>
/// </summary>
internal static class StageThread
{
    public static Task<T> Run<T>(string name, Func<Task<T>> body)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            var context = new SingleThreadContext();
            var previous = SynchronizationContext.Current;
            SynchronizationContext.SetSynchronizationContext(context);
            try
            {
                var task = body();
                task.ContinueWith(_ => context.Complete(), TaskScheduler.Default);
                context.RunUntilComplete();
                completion.SetResult(task.GetAwaiter().GetResult());
            }
            catch (OperationCanceledException e)
            {
                completion.SetCanceled(e.CancellationToken);
            }
            catch (Exception e)
            {
                completion.SetException(e);
            }
            finally
            {
                SynchronizationContext.SetSynchronizationContext(previous);
            }
        })
        {
            IsBackground = true,
            Name = $"medtune {name}",
        };
        thread.Start();
        return completion.Task;
    }

    /// <summary>Queues every continuation posted to it and runs them on the thread that called <see cref="RunUntilComplete"/>.</summary>
    private sealed class SingleThreadContext : SynchronizationContext
    {
        private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> queue = new();

        public override void Post(SendOrPostCallback d, object? state)
        {
            // Work posted after the stage ended (none is expected) runs on the pool rather than being lost.
            lock (queue)
                if (!queue.IsAddingCompleted)
                {
                    queue.Add((d, state));
                    return;
                }
            ThreadPool.QueueUserWorkItem(_ => d(state));
        }

        public override void Send(SendOrPostCallback d, object? state) =>
            throw new NotSupportedException("A stage thread runs posted work only.");

        public void Complete()
        {
            lock (queue) queue.CompleteAdding();
        }

        public void RunUntilComplete()
        {
            foreach (var (callback, state) in queue.GetConsumingEnumerable())
                callback(state);
        }
    }
}
