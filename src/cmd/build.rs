//! `pgbook build`: run the pipeline once and report. Exit 1 when a snippet fails (the site is
//! then not written, unless `--keep-going`); configuration and environment errors exit 2.

use super::Status;
use crate::pipeline::{BuildOptions, BuildReport, Pipeline};
use crate::BuildArgs;

pub fn run(args: BuildArgs) -> anyhow::Result<Status> {
    let _signals = crate::signals::install()?;
    let mut pipeline = Pipeline::new(
        &args.dir,
        BuildOptions {
            dest: args.dest,
            database_url: args.database_url,
            keep_going: args.keep_going,
            extra_body_html: None,
        },
    );
    let report = pipeline.build()?;
    print_report(&report);
    if report.failures.is_empty() || args.keep_going {
        Ok(Status::Success)
    } else {
        Ok(Status::Failed)
    }
}

/// Prints a build's warnings and snippet failures to stderr; `pgbook serve` reports each
/// rebuild's problems with it too.
pub fn print_problems(report: &BuildReport) {
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    for failure in &report.failures {
        // The message lines already start with `file.md:LINE:COL:`.
        eprintln!("{}", failure.message);
        if let Some(diff) = &failure.diff {
            eprintln!("{diff}");
        }
    }
}

fn print_report(report: &BuildReport) {
    print_problems(report);
    let executed = match report.chapters_executed {
        0 => "no SQL executed".to_string(),
        1 => "1 chapter executed".to_string(),
        n => format!("{n} chapters executed"),
    };
    if report.written {
        let failed = match report.failures.len() {
            0 => String::new(),
            n => format!("; {n} snippet(s) failed (--keep-going)"),
        };
        eprintln!(
            "pgbook: wrote the site to {}; {executed}{failed}",
            report.dest.display()
        );
    } else {
        eprintln!(
            "pgbook: {} snippet(s) failed; the site was not written (use --keep-going to write it anyway)",
            report.failures.len()
        );
    }
}
