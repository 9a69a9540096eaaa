//! A panic while a chapter's nodes run (DESIGN.md §6 names a panic among the ways a run may
//! end): the thread that made a primary archiving its WAL, a streaming standby of it, a base
//! backup and a node restored from that backup panics, and unwinding stops every one of
//! those servers and removes every directory — the archive and the backup included. The
//! other endings (success, an error, Ctrl-C, SIGTERM, `kill -9` and the next run) are tried
//! through the `pgbook` binary in the workspace's `tests/faults_nodes.rs`.
//!
//! A binary of its own: it points the process's run directory at its sandbox.

mod common;

use std::sync::mpsc;

use pgbook_engine::{ClusterOptions, ClusterTemplate, RestoreTarget};

use common::{wait_gone, Sandbox};

#[test]
fn a_panic_while_nodes_run_leaves_nothing() {
    let sandbox = Sandbox::new();
    sandbox.apply_to_this_process();
    let template = ClusterTemplate::prepare(&ClusterOptions {
        cache_dir: Some(sandbox.cache_dir().to_path_buf()),
        ..ClusterOptions::default()
    })
    .expect("template");
    let (report, postmasters) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let archive = template.new_archive().expect("archive");
        let primary = template.start_with(&archive.settings()).expect("primary");
        let (standby, _) = template
            .start_standby(&primary, "replica")
            .expect("standby");
        let backup = template.take_backup(&primary, "base").expect("backup");
        primary.archive_now().expect("archive the WAL");
        let (restored, _) = template
            .start_restored(&backup, &archive, &RestoreTarget::End)
            .expect("restored node");
        let running = [&primary, &standby, &restored].map(|c| c.postmaster_pid().unwrap());
        report.send(running).unwrap();
        panic!("a bug while the nodes run");
    });
    assert!(worker.join().is_err(), "the worker panicked");
    let running = postmasters.recv().expect("the nodes were made");
    for pid in running {
        assert!(wait_gone(pid), "postmaster {pid} still runs");
    }
    assert_eq!(sandbox.leftovers(), Vec::<String>::new(), "left behind");
}
