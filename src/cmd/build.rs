//! `pgbook build` (not yet implemented).

use super::Status;
use crate::BuildArgs;

pub fn run(_args: BuildArgs) -> anyhow::Result<Status> {
    anyhow::bail!("`pgbook build` is not implemented yet")
}
