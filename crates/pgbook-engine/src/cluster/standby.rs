//! Streaming standbys (DESIGN.md §10): a new scratch cluster made with `pg_basebackup` from
//! a running one, with a replication slot named after it, connecting back with
//! `application_name` = its name — so `synchronous_standby_names = 'NAME'` on the upstream
//! makes it synchronous, and a standby of a standby cascades.
//!
//! What pgbook did is returned as a [`StandbyRecipe`] (the `pg_basebackup` command line and
//! the recovery settings written), so a page can show readers how to repeat it by hand.
//! The standby runs exactly like any scratch cluster: as the server user, on a Unix socket
//! in its own private directory, registered for cleanup. This module runs `pg_basebackup`
//! and writes recovery settings; it runs no SQL and knows nothing of chapters.

use std::fs;
use std::io::{self, Write};
use std::process::{Command, Stdio};
use std::time::Instant;

use super::{cleanup::ScratchDir, server, template, ClusterTemplate, ScratchCluster, PORT};
use crate::EngineError;

/// How a standby was made, for readers who want to repeat it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandbyRecipe {
    /// The `pg_basebackup` command line, arguments as given.
    pub basebackup: Vec<String>,
    /// Settings appended to the standby's `postgresql.auto.conf` (next to `standby.signal`).
    pub settings: Vec<(String, String)>,
}

impl ClusterTemplate {
    /// A streaming standby of `upstream` called `name` (a slot of that name is created on
    /// `upstream`), started and accepting read-only connections.
    pub fn start_standby(
        &self,
        upstream: &ScratchCluster,
        name: &str,
    ) -> Result<(ScratchCluster, StandbyRecipe), EngineError> {
        self.start_standby_in(self.new_run_dir("standby")?, upstream, name)
    }

    /// [`ClusterTemplate::start_standby`] in a directory from `new_run_dir`.
    pub fn start_standby_in(
        &self,
        run_dir: ScratchDir,
        upstream: &ScratchCluster,
        name: &str,
    ) -> Result<(ScratchCluster, StandbyRecipe), EngineError> {
        if super::is_cancelled() {
            return Err(EngineError::Cancelled);
        }
        let began = Instant::now();
        let data_dir = run_dir.path().join("data");
        let host = upstream.socket_dir().display().to_string();
        let basebackup: Vec<String> = vec![
            self.bins
                .bin_dir
                .join("pg_basebackup")
                .display()
                .to_string(),
            format!("--pgdata={}", data_dir.display()),
            format!("--host={host}"),
            format!("--port={PORT}"),
            format!("--username={}", template::SUPERUSER),
            "--wal-method=stream".into(),
            "--checkpoint=fast".into(),
            "--create-slot".into(),
            format!("--slot={name}"),
            // Scratch data: nothing to flush to disk.
            "--no-sync".into(),
        ];
        let mut command = Command::new(&basebackup[0]);
        command
            .args(&basebackup[1..])
            .current_dir(run_dir.path())
            .env("LC_ALL", "C.UTF-8")
            .stdin(Stdio::null());
        if let Some(user) = self.user {
            // Killed with pgbook, like the servers it copies from.
            server::run_as(&mut command, user, true);
        }
        let output = command
            .output()
            .map_err(EngineError::io(format!("cannot run {}", basebackup[0])))?;
        if !output.status.success() {
            return Err(EngineError::Io {
                what: format!(
                    "pg_basebackup for standby {name} failed ({})",
                    output.status
                ),
                cause: io::Error::other(String::from_utf8_lossy(&output.stderr).into_owned()),
            });
        }
        let settings = vec![
            (
                "primary_conninfo".to_string(),
                format!(
                    "host={host} port={PORT} user={} application_name={name}",
                    template::SUPERUSER
                ),
            ),
            ("primary_slot_name".to_string(), name.to_string()),
        ];
        write_recovery_settings(&data_dir, &settings)
            .map_err(EngineError::io(format!("cannot configure standby {name}")))?;
        let backed_up = began.elapsed();
        let mut standby = self.launch(run_dir, began)?;
        standby.phases.insert(0, ("base backup taken", backed_up));
        Ok((
            standby,
            StandbyRecipe {
                basebackup,
                settings,
            },
        ))
    }
}

/// Appends `settings` to `postgresql.auto.conf` (which the server reads last, so they win)
/// and creates `standby.signal`. The files are created by pg_basebackup as the server user;
/// appending keeps their owner.
fn write_recovery_settings(
    data_dir: &std::path::Path,
    settings: &[(String, String)],
) -> io::Result<()> {
    let mut conf = fs::OpenOptions::new()
        .append(true)
        .open(data_dir.join("postgresql.auto.conf"))?;
    writeln!(conf, "# Added by pgbook: this node is a streaming standby.")?;
    for (name, value) in settings {
        writeln!(conf, "{name} = '{}'", value.replace('\'', "''"))?;
    }
    // The server only tests that standby.signal exists, and removing it on promotion
    // needs write access to the directory (the server user's), not to the file.
    fs::File::create(data_dir.join("standby.signal"))?;
    Ok(())
}
