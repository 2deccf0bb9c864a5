using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace HuntEngine.Benchmarks;

/// <summary>
/// A benchmark class that knows how much work one operation does, so the report can show MB/s and
/// records/s beside the mean. Implemented as static methods (found by reflection) because the
/// columns are computed in BenchmarkDotNet's host process, which never runs the benchmark.
/// </summary>
/// <remarks>
/// Convention: <c>public static long BytesPerOperation(IReadOnlyDictionary&lt;string, object&gt; parameters)</c>
/// and optionally <c>RecordsPerOperation</c> with the same signature.
/// </remarks>
internal static class WorkPerOperation
{
    public static long? Get(BenchmarkCase benchmarkCase, string method)
    {
        var m = benchmarkCase.Descriptor.Type.GetMethod(method, BindingFlags.Public | BindingFlags.Static | BindingFlags.FlattenHierarchy);
        if (m is null) return null;
        var parameters = benchmarkCase.Parameters.Items.ToDictionary(p => p.Name, p => p.Value);
        return (long?)m.Invoke(null, [parameters]);
    }
}

/// <summary>Work per operation divided by the mean time: MB/s (10^6 bytes) or records/s.</summary>
internal sealed class RateColumn(string id, string name, string method, double unit, string format) : IColumn
{
    public static readonly RateColumn MegabytesPerSecond = new("MBps", "MB/s", "BytesPerOperation", 1e6, "F1");
    public static readonly RateColumn RecordsPerSecond = new("RecordsPerSecond", "records/s", "RecordsPerOperation", 1, "N0");

    public string Id { get; } = id;
    public string ColumnName { get; } = name;
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => $"{ColumnName}: work per operation / mean time";

    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? meanNs = summary[benchmarkCase]?.ResultStatistics?.Mean;
        long? work = WorkPerOperation.Get(benchmarkCase, method);
        if (meanNs is not > 0 || work is null) return "-";
        return (work.Value / unit / (meanNs.Value / 1e9)).ToString(format, CultureInfo.InvariantCulture);
    }
}

internal static class BenchConfig
{
    /// <summary>The default config plus the rate columns; jobs, filters and exporters still come from the command line.</summary>
    public static IConfig Create() => DefaultConfig.Instance
        .AddColumn(RateColumn.MegabytesPerSecond, RateColumn.RecordsPerSecond)
        .AddColumn(CategoriesColumn.Default)
        .WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(20));
}
