//! `pgbook build`: run the pipeline once with [`Action::Build`] and report. Exit 1 when a
//! snippet fails (the site is then not written, unless `--keep-going`); broken links are
//! warnings; configuration and environment errors exit 2.

use super::Status;
use crate::pipeline::{Action, Options, Pipeline, RunReport};
use crate::progress::Progress;
use crate::BuildArgs;

pub fn run(args: BuildArgs) -> anyhow::Result<Status> {
    let _signals = crate::signals::install()?;
    let progress = Progress::new(args.verbosity.get());
    let mut pipeline = Pipeline::new(
        &args.dir,
        Options {
            dest: args.dest,
            database_url: args.database_url,
            extra_body_html: None,
            progress: progress.sink(),
            template_cache: Some(crate::cache_dir::template_cache_dir()),
        },
    );
    let report = pipeline.run(&Action::Build {
        keep_going: args.keep_going,
    });
    progress.finish();
    let report = report?;
    print_report(&report);
    if !report.is_failure() || args.keep_going {
        Ok(Status::Success)
    } else {
        Ok(Status::Failed)
    }
}

/// Prints a build's warnings (configuration, broken links) and snippet failures to stderr;
/// `pgbook serve` reports each rebuild's problems with it too.
pub fn print_problems(report: &RunReport) {
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    for warning in &report.link_warnings {
        eprintln!("warning: {warning}");
    }
    for failure in report.snippet_failures() {
        // Every reason line starts with its `file.md:LINE:COL:`.
        eprintln!("{failure}");
        if let Some(diff) = &failure.diff {
            eprintln!("{diff}");
        }
    }
}

fn print_report(report: &RunReport) {
    print_problems(report);
    let executed = match report.chapters_executed {
        0 => "no SQL executed".to_string(),
        1 => "1 chapter executed".to_string(),
        n => format!("{n} chapters executed"),
    };
    let failed = report.snippet_failures().count();
    if report.written {
        let failed = match failed {
            0 => String::new(),
            n => format!("; {n} snippet(s) failed (--keep-going)"),
        };
        eprintln!(
            "pgbook: wrote the site to {}; {executed}{failed}",
            report.dest.display()
        );
    } else {
        eprintln!(
            "pgbook: {failed} snippet(s) failed; the site was not written (use --keep-going to write it anyway)"
        );
    }
}
