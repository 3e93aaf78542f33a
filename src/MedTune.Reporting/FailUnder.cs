using System.Globalization;

namespace MedTune.Reporting;

/// <summary>One <c>--fail-under</c> threshold: <c>tuned.exact_match=0.2</c>; a bare metric means the tuned model.</summary>
public sealed record FailUnderRule(string Model, string Metric, double Threshold)
{
    public const string DefaultModel = "tuned";

    public static FailUnderRule Parse(string text)
    {
        var parts = text.Split('=', 2);
        if (parts.Length != 2 || parts[0].Trim().Length == 0)
            throw new FormatException($"--fail-under '{text}' is not MODEL.METRIC=VALUE or METRIC=VALUE (e.g. tuned.exact_match=0.2).");
        if (!double.TryParse(parts[1].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var threshold) || double.IsNaN(threshold))
            throw new FormatException($"--fail-under '{text}': '{parts[1].Trim()}' is not a number (use a decimal point, e.g. 0.2).");
        var target = parts[0].Trim();
        int dot = target.IndexOf('.');
        var (model, metric) = dot < 0 ? (DefaultModel, target) : (target[..dot], target[(dot + 1)..]);
        if (model.Length == 0 || metric.Length == 0)
            throw new FormatException($"--fail-under '{text}': model and metric must both be named (e.g. tuned.exact_match=0.2).");
        return new FailUnderRule(model, metric, threshold);
    }

    public override string ToString() => $"{Model}.{Metric}={Threshold.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>A threshold a dataset's score did not reach (or could not be checked).</summary>
public sealed record FailUnderViolation(string Dataset, FailUnderRule Rule, double? Actual)
{
    public override string ToString() => Actual is { } value
        ? $"{Dataset}: {Rule.Model}.{Rule.Metric} = {ReportFormat.Number(value)} < {Rule.Threshold.ToString(CultureInfo.InvariantCulture)}"
        : $"{Dataset}: {Rule.Model}.{Rule.Metric} is not in the report (models: check evaluate.models; metrics: check evaluate.metrics)";
}

/// <summary>Checks <c>--fail-under</c> thresholds against every dataset of a report (CI gates).</summary>
public static class FailUnder
{
    public static IReadOnlyList<FailUnderViolation> Check(ReportData report, IEnumerable<FailUnderRule> rules)
    {
        var violations = new List<FailUnderViolation>();
        foreach (var rule in rules)
            foreach (var dataset in report.Datasets)
            {
                if (!dataset.Scores.TryGetValue(rule.Model, out var table) || !table.TryGetValue(rule.Metric, out var summary))
                    violations.Add(new FailUnderViolation(dataset.Name, rule, null));
                else if (summary.Mean < rule.Threshold)
                    violations.Add(new FailUnderViolation(dataset.Name, rule, summary.Mean));
            }
        return violations;
    }
}
