namespace MedTune.Pipeline;

/// <summary>A validated stage DAG: unique names, known dependencies, no cycles; stages in a deterministic topological order.</summary>
public sealed class StageGraph
{
    private readonly Dictionary<string, StageDefinition> byName;

    private StageGraph(IReadOnlyList<StageDefinition> ordered, Dictionary<string, StageDefinition> byName) =>
        (Ordered, this.byName) = (ordered, byName);

    /// <summary>All stages, every stage after the stages it depends on; ties keep definition order.</summary>
    public IReadOnlyList<StageDefinition> Ordered { get; }

    public StageDefinition this[string name] => byName[name];

    public static StageGraph Build(IReadOnlyList<StageDefinition> definitions)
    {
        var byName = new Dictionary<string, StageDefinition>(StringComparer.Ordinal);
        foreach (var definition in definitions)
        {
            if (string.IsNullOrWhiteSpace(definition.Name))
                throw new PipelineDefinitionException("A stage has an empty name; every stage needs a unique name.");
            if (!byName.TryAdd(definition.Name, definition))
                throw new PipelineDefinitionException($"Two stages are named '{definition.Name}'; stage names must be unique.");
        }
        foreach (var definition in definitions)
            foreach (var dependency in definition.DependsOn)
            {
                if (dependency == definition.Name)
                    throw new PipelineDefinitionException($"Stage '{definition.Name}' depends on itself.");
                if (!byName.ContainsKey(dependency))
                    throw new PipelineDefinitionException(
                        $"Stage '{definition.Name}' depends on unknown stage '{dependency}'. Known stages: {string.Join(", ", byName.Keys)}.");
            }
        return new StageGraph(TopologicalOrder(definitions, byName), byName);
    }

    /// <summary>Names of the stages a selector means: a stage name, or every stage of a kind.</summary>
    public IReadOnlySet<string> Select(string selector, string optionName)
    {
        if (byName.ContainsKey(selector)) return new HashSet<string>([selector], StringComparer.Ordinal);
        var ofKind = Ordered.Where(d => d.Stage.Kind == selector).Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        if (ofKind.Count > 0) return ofKind;
        throw new PipelineDefinitionException(
            $"{optionName} '{selector}' is neither a stage name ({string.Join(", ", Ordered.Select(d => d.Name))}) " +
            $"nor a stage kind ({string.Join(", ", Ordered.Select(d => d.Stage.Kind).Distinct())}).");
    }

    /// <summary>The given stages and everything they (transitively) depend on.</summary>
    public IReadOnlySet<string> WithAncestors(IEnumerable<string> names)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(names);
        while (pending.TryPop(out var name))
            if (result.Add(name))
                foreach (var dependency in byName[name].DependsOn) pending.Push(dependency);
        return result;
    }

    private static List<StageDefinition> TopologicalOrder(IReadOnlyList<StageDefinition> definitions, Dictionary<string, StageDefinition> byName)
    {
        var ordered = new List<StageDefinition>();
        var state = new Dictionary<string, bool>(StringComparer.Ordinal); // false = visiting, true = done
        var path = new List<string>();

        void Visit(StageDefinition definition)
        {
            if (state.TryGetValue(definition.Name, out var done))
            {
                if (done) return;
                var cycle = path.Skip(path.IndexOf(definition.Name)).Append(definition.Name);
                throw new PipelineDefinitionException($"The stages form a cycle: {string.Join(" -> ", cycle)}. A stage cannot (indirectly) depend on itself.");
            }
            state[definition.Name] = false;
            path.Add(definition.Name);
            foreach (var dependency in definition.DependsOn) Visit(byName[dependency]);
            path.RemoveAt(path.Count - 1);
            state[definition.Name] = true;
            ordered.Add(definition);
        }

        foreach (var definition in definitions) Visit(definition);
        return ordered;
    }
}
