//! `pgbook serve` (not yet implemented).

use super::Status;
use crate::ServeArgs;

pub fn run(_args: ServeArgs) -> anyhow::Result<Status> {
    anyhow::bail!("`pgbook serve` is not implemented yet")
}
