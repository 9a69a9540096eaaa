//! The `pgbook` command line: flags become plain data here, each subcommand lives in its own
//! file under `cmd/`, and `main` maps results to exit codes (0 success, 1 a snippet failed,
//! 2 usage, configuration or environment error).

mod cache_dir;
mod cmd;
mod pipeline;
mod progress;
mod serve;
mod signals;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "pgbook",
    version,
    about = "Markdown books whose SQL runs against a scratch PostgreSQL and is verified"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site (DIR defaults to .)
    Build(BuildArgs),
    /// Serve the book with live reload while you edit it
    Serve(ServeArgs),
    /// Execute every snippet and verify its output
    Test(TestArgs),
    /// Create a new book that builds and tests green
    Init(InitArgs),
    /// Remove the built site and the cache
    Clean(CleanArgs),
}

#[derive(clap::Args, Clone, Debug)]
pub struct DirArgs {
    /// The book's directory (where book.toml is)
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

#[derive(clap::Args, Clone, Debug)]
pub struct CleanArgs {
    /// The book's directory (where book.toml is)
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Also remove pgbook's template cache ($PGBOOK_CACHE_DIR, default ~/.cache/pgbook),
    /// shared by every book of this user
    #[arg(long)]
    pub all: bool,
}

#[derive(clap::Args, Clone, Debug)]
pub struct InitArgs {
    /// Where to create the book (created if missing)
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Also write a CI workflow that tests the book and builds the site
    #[arg(long, value_enum)]
    pub ci: Option<CiService>,
}

/// The CI services `pgbook init --ci` writes a workflow for.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CiService {
    /// GitHub Actions: `.github/workflows/pgbook.yml`
    Github,
    /// GitLab CI/CD: `.gitlab-ci.yml`
    Gitlab,
}

#[derive(clap::Args, Clone, Debug)]
pub struct BuildArgs {
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Write the site here instead of [build] build-dir
    #[arg(long)]
    pub dest: Option<PathBuf>,
    /// Use this server instead of a scratch cluster
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Write the site even when snippets fail
    #[arg(long)]
    pub keep_going: bool,
    #[command(flatten)]
    pub verbosity: VerbosityArgs,
}

/// How much `build` and `test` say while they run (progress is shown only on a terminal and
/// never under `CI=true`).
#[derive(clap::Args, Clone, Copy, Debug)]
pub struct VerbosityArgs {
    /// Show no progress and no timings
    #[arg(long, short, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print each chapter's time as it finishes
    #[arg(long, short)]
    pub verbose: bool,
}

impl VerbosityArgs {
    pub fn get(self) -> progress::Verbosity {
        progress::Verbosity {
            quiet: self.quiet,
            verbose: self.verbose,
        }
    }
}

#[derive(clap::Args, Clone, Debug)]
pub struct ServeArgs {
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    #[arg(long, default_value_t = 3000)]
    pub port: u16,
    /// Open the book in a browser
    #[arg(long)]
    pub open: bool,
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    #[command(flatten)]
    pub verbosity: VerbosityArgs,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Human,
    Json,
    Junit,
}

#[derive(clap::Args, Clone, Debug)]
pub struct TestArgs {
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Rewrite failing or missing `output` blocks with the actual transcript
    #[arg(long)]
    pub bless: bool,
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    /// Write the report to this file instead of standard output
    #[arg(long)]
    pub output: Option<PathBuf>,
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Run only the K-th of N slices of the chapters (e.g. 2/4), for N parallel CI jobs
    #[arg(long, value_name = "K/N")]
    pub shard: Option<pipeline::shard::Shard>,
    #[command(flatten)]
    pub verbosity: VerbosityArgs,
    /// Only chapters whose path contains one of these
    #[arg(last = false)]
    pub filter: Vec<String>,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Build(args) => cmd::build::run(args),
        Command::Serve(args) => cmd::serve::run(args),
        Command::Test(args) => cmd::test::run(args),
        Command::Init(args) => cmd::init::run(args),
        Command::Clean(args) => cmd::clean::run(args),
    };
    match result {
        Ok(cmd::Status::Success) => ExitCode::SUCCESS,
        Ok(cmd::Status::Failed) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
