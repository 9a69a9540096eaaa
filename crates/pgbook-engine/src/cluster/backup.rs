//! Base backups, WAL archives and point-in-time restores (DESIGN.md §10): a node that
//! backups are taken of runs with WAL archiving into a directory of the chapter's own from
//! its start; `backup=NAME` is a `pg_basebackup` of it; `restore=NAME` is a new cluster
//! made from that backup and recovered from the archive up to a target, then promoted.
//!
//! Archive, backups and restored clusters are private directories registered for cleanup
//! like every scratch cluster, and the commands and settings used come back as text for
//! the page. This module runs `pg_basebackup`, writes recovery settings and asks the
//! source to archive its current WAL; it knows nothing of chapters.

use std::fs;
use std::io::{self, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{cleanup::ScratchDir, server, template, ClusterTemplate, ScratchCluster, PORT};
use crate::database::cluster_admin;
use crate::EngineError;

/// Where recovery of a restored cluster stops. LSN, XID and time targets stop just
/// *before* the target (`recovery_target_inclusive = off`: the state before the accident).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreTarget {
    /// The end of the archived WAL.
    End,
    /// As soon as the backup is consistent.
    Immediate,
    /// A restore point (`pg_create_restore_point`).
    Name(String),
    Lsn(String),
    Xid(String),
    Time(String),
}

/// A base backup: its files and how it was taken.
pub struct Backup {
    pub name: String,
    /// The `pg_basebackup` command line.
    pub command: Vec<String>,
    dir: ScratchDir,
}

impl Backup {
    /// The backup's files: a data directory a restore starts from.
    pub fn data(&self) -> std::path::PathBuf {
        self.dir.path().join("data")
    }
}

/// A directory WAL is archived into, and the settings that archive a cluster's WAL there.
pub struct WalArchive {
    dir: ScratchDir,
}

impl WalArchive {
    /// Settings for a cluster whose WAL goes to this archive from its start; with full-page
    /// writes (backups of a running cluster need them) and commits written before they
    /// return (so what a snippet committed is in the WAL a backup or restore sees).
    pub fn settings(&self) -> Vec<(String, String)> {
        let dir = self.dir.path().display();
        vec![
            ("archive_mode".into(), "on".into()),
            ("archive_command".into(), format!("cp %p {dir}/%f")),
            ("full_page_writes".into(), "on".into()),
            ("synchronous_commit".into(), "on".into()),
        ]
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl ClusterTemplate {
    /// A new, empty WAL archive directory, writable by the server.
    pub fn new_archive(&self) -> Result<WalArchive, EngineError> {
        Ok(WalArchive {
            dir: ScratchDir::create(&self.run_base, "archive", self.user)?,
        })
    }

    /// Takes base backup `name` of the running `source` (WAL streamed into the backup, so
    /// it is self-contained up to its end).
    pub fn take_backup(&self, source: &ScratchCluster, name: &str) -> Result<Backup, EngineError> {
        let dir = ScratchDir::create(&self.run_base, "backup", self.user)?;
        let command: Vec<String> = vec![
            self.bins
                .bin_dir
                .join("pg_basebackup")
                .display()
                .to_string(),
            format!("--pgdata={}", dir.path().join("data").display()),
            format!("--host={}", source.socket_dir().display()),
            format!("--port={PORT}"),
            format!("--username={}", template::SUPERUSER),
            "--wal-method=stream".into(),
            "--checkpoint=fast".into(),
            format!("--label={name}"),
            "--no-sync".into(),
        ];
        run_basebackup(&command, dir.path(), self, name)?;
        Ok(Backup {
            name: name.to_string(),
            command,
            dir,
        })
    }

    /// A new cluster restored from `backup` and the WAL in `archive`, recovered up to
    /// `target` and promoted; returns once it accepts writes, with the recovery settings
    /// it was given.
    pub fn start_restored(
        &self,
        backup: &Backup,
        archive: &WalArchive,
        target: &RestoreTarget,
    ) -> Result<(ScratchCluster, Vec<(String, String)>), EngineError> {
        self.start_restored_in(self.new_run_dir("restore")?, backup, archive, target)
    }

    /// [`ClusterTemplate::start_restored`] in a directory from `new_run_dir`.
    pub fn start_restored_in(
        &self,
        run_dir: ScratchDir,
        backup: &Backup,
        archive: &WalArchive,
        target: &RestoreTarget,
    ) -> Result<(ScratchCluster, Vec<(String, String)>), EngineError> {
        if super::is_cancelled() {
            return Err(EngineError::Cancelled);
        }
        let began = Instant::now();
        let data = run_dir.path().join("data");
        super::osuser::copy_tree(&backup.data(), &data, self.user).map_err(EngineError::io(
            format!("cannot copy backup {}", backup.name),
        ))?;
        let settings = recovery_settings(archive.path(), target);
        write_recovery(&data, &settings).map_err(EngineError::io(format!(
            "cannot configure the restore of {}",
            backup.name
        )))?;
        let cluster = self.launch(run_dir, began)?;
        wait_until_promoted(&cluster)?;
        Ok((cluster, settings))
    }
}

impl ScratchCluster {
    /// Closes the current WAL segment and waits until the archiver has copied it, so a
    /// restore sees everything written so far.
    pub fn archive_now(&self) -> Result<(), EngineError> {
        let mut admin = cluster_admin(self)?;
        let segment: String = admin
            .query_one("SELECT pg_walfile_name(pg_switch_wal())", &[])
            .map_err(admin_error("cannot switch WAL"))?
            .get(0);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let archived: Option<String> = admin
                .query_one("SELECT last_archived_wal FROM pg_stat_archiver", &[])
                .map_err(admin_error("cannot read pg_stat_archiver"))?
                .get(0);
            if archived.as_ref().is_some_and(|a| *a >= segment) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(EngineError::UnexpectedAnswer {
                    what: format!("waiting for WAL segment {segment} to be archived"),
                    answer: archived.unwrap_or_default(),
                });
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

fn admin_error(what: &'static str) -> impl Fn(postgres::Error) -> EngineError {
    move |cause| EngineError::Admin {
        what: what.into(),
        cause,
    }
}

fn run_basebackup(
    command: &[String],
    cwd: &Path,
    template: &ClusterTemplate,
    name: &str,
) -> Result<(), EngineError> {
    let mut process = Command::new(&command[0]);
    process
        .args(&command[1..])
        .current_dir(cwd)
        .env("LC_ALL", "C.UTF-8")
        .stdin(Stdio::null());
    if let Some(user) = template.user {
        // Killed with pgbook, like the servers it copies from.
        server::run_as(&mut process, user, true);
    }
    let output = process
        .output()
        .map_err(EngineError::io(format!("cannot run {}", command[0])))?;
    if output.status.success() {
        return Ok(());
    }
    Err(EngineError::Io {
        what: format!("pg_basebackup for {name} failed ({})", output.status),
        cause: io::Error::other(String::from_utf8_lossy(&output.stderr).into_owned()),
    })
}

/// `restore_command` from the archive, the target, and promotion at the end.
pub(crate) fn recovery_settings(archive: &Path, target: &RestoreTarget) -> Vec<(String, String)> {
    let mut settings = vec![(
        "restore_command".to_string(),
        format!("cp {}/%f %p", archive.display()),
    )];
    let mut set = |name: &str, value: &str| settings.push((name.to_string(), value.to_string()));
    match target {
        RestoreTarget::End => {}
        RestoreTarget::Immediate => set("recovery_target", "immediate"),
        RestoreTarget::Name(name) => set("recovery_target_name", name),
        RestoreTarget::Lsn(lsn) => set("recovery_target_lsn", lsn),
        RestoreTarget::Xid(xid) => set("recovery_target_xid", xid),
        RestoreTarget::Time(time) => set("recovery_target_time", time),
    }
    if matches!(
        target,
        RestoreTarget::Lsn(_) | RestoreTarget::Xid(_) | RestoreTarget::Time(_)
    ) {
        set("recovery_target_inclusive", "off");
    }
    if target != &RestoreTarget::End {
        set("recovery_target_action", "promote");
    }
    // The backup carries its source's archiving settings: a promoted restore would add its
    // own timeline to the source's archive, and a later restore to the archive's end would
    // follow that timeline instead of the source's.
    set("archive_mode", "off");
    settings
}

fn write_recovery(data: &Path, settings: &[(String, String)]) -> io::Result<()> {
    let mut conf = fs::OpenOptions::new()
        .append(true)
        .open(data.join("postgresql.auto.conf"))?;
    writeln!(
        conf,
        "# Added by pgbook: this node is restored from a backup."
    )?;
    for (name, value) in settings {
        writeln!(conf, "{name} = '{}'", value.replace('\'', "''"))?;
    }
    fs::File::create(data.join("recovery.signal"))?;
    Ok(())
}

/// Recovery accepts read-only connections before it ends; a restored node is ready once
/// it has been promoted.
fn wait_until_promoted(cluster: &ScratchCluster) -> Result<(), EngineError> {
    let mut admin = cluster_admin(cluster)?;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let in_recovery: bool = admin
            .query_one("SELECT pg_is_in_recovery()", &[])
            .map_err(admin_error(
                "cannot ask a restored node whether it still recovers",
            ))?
            .get(0);
        if !in_recovery {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(EngineError::UnexpectedAnswer {
                what: "waiting for a restored node to finish recovery".into(),
                answer: "still in recovery".into(),
            });
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_stop_before_the_accident_and_promote() {
        let settings = recovery_settings(Path::new("/a"), &RestoreTarget::Xid("745".into()));
        let text: Vec<String> = settings.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            text,
            [
                "restore_command=cp /a/%f %p",
                "recovery_target_xid=745",
                "recovery_target_inclusive=off",
                "recovery_target_action=promote",
                "archive_mode=off",
            ]
        );
        let named = recovery_settings(Path::new("/a"), &RestoreTarget::Name("p".into()));
        assert!(!named.iter().any(|(k, _)| k == "recovery_target_inclusive"));
        assert_eq!(
            recovery_settings(Path::new("/a"), &RestoreTarget::End).len(),
            2
        );
    }
}
