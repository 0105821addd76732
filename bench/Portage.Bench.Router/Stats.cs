namespace Portage.Bench.Router;

/// <summary>p50/p95/p99 of a sample in milliseconds (linear interpolation between the closest ranks).</summary>
internal sealed record Percentiles(double P50, double P95, double P99)
{
    public static readonly Percentiles None = new(double.NaN, double.NaN, double.NaN);

    public static Percentiles Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
        {
            return None;
        }

        var sorted = values.Order().ToArray();
        return new(Math.Round(At(sorted, 0.50), 3), Math.Round(At(sorted, 0.95), 3), Math.Round(At(sorted, 0.99), 3));
    }

    /// <summary>
    /// The difference of two distributions' percentiles (this minus <paramref name="baseline"/>): the streams are not
    /// paired, so this is "router p95 minus direct p95", not the p95 of per-stream differences.
    /// </summary>
    public Percentiles Minus(Percentiles baseline) => new(P50 - baseline.P50, P95 - baseline.P95, P99 - baseline.P99);

    private static double At(double[] sorted, double q)
    {
        var rank = q * (sorted.Length - 1);
        var low = (int)Math.Floor(rank);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + ((rank - low) * (sorted[high] - sorted[low]));
    }
}
