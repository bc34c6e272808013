//! The results as Markdown tables (what README's Performance section copies).

use crate::SizeResult;

pub(crate) fn print_table(engine: &str, results: &[SizeResult]) {
    println!("\n## {engine}\n");
    println!("| case | tickets | concurrency | req/s | p50 ms | p99 ms | errors |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for r in results {
        for c in &r.cases {
            println!(
                "| {} | {} | {} | {:.0} | {:.2} | {:.2} | {} |",
                c.case, r.tickets, c.concurrency, c.req_per_s, c.p50_ms, c.p99_ms, c.errors
            );
        }
    }
    println!(
        "\n| tickets | seed s | search index s | start-up ms | idle RSS MB (private) | peak RSS MB | weekly digest (zone) ms | first dashboard ms (peak RSS MB) | import 10 000 register rows ms |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in results {
        println!(
            "| {} | {:.1} | {:.1} | {:.0} | {:.1} ({:.1}) | {:.1} | {:.0} | {:.0} ({:.0}) | {:.0} |",
            r.tickets,
            r.seed_seconds,
            r.search_index_seconds,
            r.startup_ms,
            r.idle_rss_mb,
            r.idle_rss_anon_mb,
            r.peak_rss_mb,
            r.digest_ms,
            r.first_dashboard_ms,
            r.first_dashboard_rss_mb,
            r.import_10k_ms
        );
    }
}
