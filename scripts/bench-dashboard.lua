-- wrk script for scripts/bench-dashboard.sh: prints one line with the figures the report needs
-- (wrk's own --latency output has no p95). The Authorization header is given with -H on the command line.
done = function(summary, latency, requests)
    local seconds = summary.duration / 1e6
    io.write(string.format("wrk: %d requests in %.1f s = %.0f/s, p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms, errors %d\n",
        summary.requests, seconds, summary.requests / seconds,
        latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
        summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
