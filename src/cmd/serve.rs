//! `pgbook serve`: turns the flags into [`ServeOptions`] and runs the live-reload server.

use super::Status;
use crate::serve::{self, ServeOptions};
use crate::ServeArgs;

pub fn run(args: ServeArgs) -> anyhow::Result<Status> {
    serve::serve(ServeOptions {
        root: args.dir,
        host: args.host,
        port: args.port,
        open: args.open,
        database_url: args.database_url,
        verbosity: args.verbosity.get(),
    })
}
