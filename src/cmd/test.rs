//! `pgbook test` (not yet implemented).

use super::Status;
use crate::TestArgs;

pub fn run(_args: TestArgs) -> anyhow::Result<Status> {
    anyhow::bail!("`pgbook test` is not implemented yet")
}
