namespace MedTune.Reporting;

/// <summary>A chart of the report: written to <c>charts/&lt;FileName&gt;</c> (Markdown links it) and embedded in the HTML.</summary>
public sealed record ReportChart(string FileName, string Caption, byte[] Png);
