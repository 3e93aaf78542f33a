namespace MedTune.Scoring.Predictions;

/// <summary>What a prediction holds: option letters (<c>"a,c"</c>) or free text to match against the options.</summary>
public enum PredictionKind
{
    /// <summary><c>{"problem_id", "prediction": "a,c"}</c>: scored by <see cref="LetterScorer"/>.</summary>
    Letter,
    /// <summary><c>{"problem_id", "response": "free text"}</c>: scored by <see cref="ResponseScorer"/>.</summary>
    Response,
}

/// <summary>One model answer; <see cref="Line"/> is its 1-based line in the file (0 when built in memory).</summary>
public sealed record Prediction(string ProblemId, string Text, int Line = 0);

/// <summary>The predictions of one model run, all of one kind.</summary>
public sealed record PredictionSet(PredictionKind Kind, IReadOnlyList<Prediction> Records, string Source = "(in memory)");
