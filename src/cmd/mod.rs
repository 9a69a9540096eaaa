//! One file per subcommand. Each `run` returns [`Status`] for outcomes the user's book caused
//! (exit 0 or 1) and an error for usage, configuration or environment problems (exit 2).

pub mod build;
pub mod clean;
pub mod init;
pub mod serve;
pub mod test;

/// How a command that ran to its end went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Success,
    /// A snippet failed verification or errored unexpectedly (exit 1).
    Failed,
}
