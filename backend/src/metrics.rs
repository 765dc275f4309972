//! Prometheus text exposition of request counts and latencies, by route pattern and status.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<(String, String), Histogram>>,
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

impl Metrics {
    /// `route` is the matched pattern (`/api/v1/users/{id}`), never the raw path, so that
    /// ids don't explode the number of series.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        *self.requests.lock().unwrap_or_else(|e| e.into_inner()).entry((method.into(), route.into(), status)).or_default() += 1;
        let mut lat = self.latency.lock().unwrap_or_else(|e| e.into_inner());
        let h = lat.entry((method.into(), route.into())).or_default();
        for (i, b) in BUCKETS.iter().enumerate() {
            if seconds <= *b {
                h.counts[i] += 1;
            }
        }
        h.sum += seconds;
        h.count += 1;
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP rectify_http_requests_total HTTP requests by method, route and status.\n");
        out.push_str("# TYPE rectify_http_requests_total counter\n");
        for ((m, r, s), n) in self.requests.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            let _ = writeln!(out, "rectify_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{s}\"}} {n}", escape(m), escape(r));
        }
        out.push_str("# HELP rectify_http_request_duration_seconds HTTP request latency.\n");
        out.push_str("# TYPE rectify_http_request_duration_seconds histogram\n");
        for ((m, r), h) in self.latency.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            let labels = format!("method=\"{}\",route=\"{}\"", escape(m), escape(r));
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(out, "rectify_http_request_duration_seconds_bucket{{{labels},le=\"{b}\"}} {}", h.counts[i]);
            }
            let _ = writeln!(out, "rectify_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}", h.count);
            let _ = writeln!(out, "rectify_http_request_duration_seconds_sum{{{labels}}} {}", h.sum);
            let _ = writeln!(out, "rectify_http_request_duration_seconds_count{{{labels}}} {}", h.count);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let m = Metrics::default();
        m.observe("GET", "/api/v1/me", 200, 0.003);
        m.observe("GET", "/api/v1/me", 200, 0.2);
        m.observe("GET", "/api/v1/me", 401, 0.001);
        let text = m.render();
        assert!(text.contains("rectify_http_requests_total{method=\"GET\",route=\"/api/v1/me\",status=\"200\"} 2"));
        assert!(text.contains("rectify_http_requests_total{method=\"GET\",route=\"/api/v1/me\",status=\"401\"} 1"));
        assert!(text.contains("le=\"0.005\"} 2"));
        assert!(text.contains("le=\"0.25\"} 3"));
        assert!(text.contains("le=\"+Inf\"} 3"));
        assert!(text.contains("rectify_http_request_duration_seconds_count{method=\"GET\",route=\"/api/v1/me\"} 3"));
    }
}
