using System.Text.Encodings.Web;
using System.Text.Json;

namespace MedTune.Scoring.Output;

/// <summary>
/// One JSON line per question: <c>problem_id</c> and its metrics. Response mode: <c>accuracy</c>,
/// <c>exact_match</c>, <c>gestalt_score</c>, their <c>*_normalized</c> variants, <c>picked</c> and the
/// extracted <c>response</c>. Letter mode: <c>correct</c>, <c>correct_normalized</c>, <c>points</c>
/// (earned), <c>points_possible</c> and the <c>prediction</c>. 0/1 metrics are written as 0 or 1.
/// </summary>
public static class PerItemWriter
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(string path, IEnumerable<ItemScore> items) =>
        AtomicFile.Write(path, stream => Write(stream, items));

    public static void Write(Stream stream, IEnumerable<ItemScore> items)
    {
        foreach (var item in items)
        {
            using (var writer = new Utf8JsonWriter(stream, WriterOptions)) WriteItem(writer, item);
            stream.WriteByte((byte)'\n');
        }
    }

    private static void WriteItem(Utf8JsonWriter writer, ItemScore item)
    {
        writer.WriteStartObject();
        writer.WriteString("problem_id", item.Question.ProblemId);
        if (item.Response is { } r)
        {
            writer.WriteNumber("accuracy", Bit(r.Accuracy));
            writer.WriteNumber("exact_match", Bit(r.ExactMatch));
            writer.WriteNumber("gestalt_score", r.GestaltScore);
            writer.WriteNumber("accuracy_normalized", Bit(r.AccuracyNormalized));
            writer.WriteNumber("exact_match_normalized", Bit(r.ExactMatchNormalized));
            writer.WriteNumber("gestalt_score_normalized", r.GestaltScoreNormalized);
            writer.WriteString("picked", r.Picked);
            writer.WriteString("response", r.Response);
        }
        if (item.Letter is { } l)
        {
            writer.WriteNumber("correct", Bit(l.Correct));
            writer.WriteNumber("correct_normalized", Bit(l.CorrectNormalized));
            writer.WriteNumber("points", l.PointsEarned);
            writer.WriteNumber("points_possible", l.PointsPossible);
            writer.WriteString("prediction", l.Prediction);
        }
        if (item.PredictionMissing) writer.WriteBoolean("prediction_missing", true);
        writer.WriteEndObject();
    }

    private static int Bit(bool value) => value ? 1 : 0;
}
