using MedTune.Evaluation;
using MedTune.Manifest;
using MedTune.Reporting;

namespace MedTune.Tool.Cli;

/// <summary>
/// Parses and checks <c>--fail-under</c> gates against the manifest before anything runs: a malformed value, a metric
/// the report will not hold or a model the experiment does not evaluate is bad input (exit 2), never a gate that
/// fails (exit 4) or silently checks nothing after an hour of training.
/// </summary>
public static class FailUnderGates
{
    public static IReadOnlyList<FailUnderRule> Parse(IEnumerable<string> options, ExperimentManifest manifest)
    {
        var rules = new List<FailUnderRule>();
        foreach (var text in options)
        {
            FailUnderRule rule;
            try { rule = FailUnderRule.Parse(text); }
            catch (FormatException e) { throw new CommandOptionException(e.Message); }

            var models = manifest.Evaluate.Models;
            if (!models.Contains(rule.Model))
            {
                var hint = DidYouMean.Suggest(rule.Model, models) is { } m ? $"did you mean '{m}.{rule.Metric}'? " : "";
                throw new CommandOptionException(
                    $"--fail-under '{text}': {manifest.ManifestPath} does not evaluate the model '{rule.Model}' (evaluate.models: {string.Join(", ", models)}). {hint}"
                    + (rule.Model == FailUnderRule.DefaultModel && !text.Split('=')[0].Contains('.') ? $"A bare metric means {FailUnderRule.DefaultModel}.METRIC; write base.{rule.Metric}=… here." : ""));
            }
            var reported = MetricNames.Reported(manifest.Evaluate.Metrics);
            if (!reported.Contains(rule.Metric))
            {
                if (MetricNames.ReportOrder.Contains(rule.Metric) || rule.Metric == MetricNames.LoglikAccuracy)
                    throw new CommandOptionException(
                        $"--fail-under '{text}': the report of {manifest.ManifestPath} has no '{rule.Metric}': add '{MetricNames.SelectorOf(rule.Metric)}' to evaluate.metrics (it has: {string.Join(", ", reported)}).");
                var suggestion = DidYouMean.Suggest(rule.Metric, reported);
                throw new CommandOptionException(
                    $"--fail-under '{text}': unknown metric '{rule.Metric}'.{(suggestion is null ? "" : $" Did you mean '{rule.Model}.{suggestion}'?")} This experiment reports: {string.Join(", ", reported)}.");
            }
            rules.Add(rule);
        }
        return rules;
    }
}
