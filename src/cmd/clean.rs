//! `pgbook clean` (not yet implemented).

use super::Status;
use crate::DirArgs;

pub fn run(_args: DirArgs) -> anyhow::Result<Status> {
    anyhow::bail!("`pgbook clean` is not implemented yet")
}
