//! `pgbook init` makes a book that tests green, and never overwrites an existing one.

use std::process::Command;

fn pgbook() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pgbook"))
}

#[test]
fn new_book_tests_green_and_init_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("handbook");
    let out = pgbook().arg("init").arg(&root).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = pgbook().arg("test").arg(&root).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.trim_end().ends_with("3 passed, 0 failed, 0 ignored"),
        "{stdout}"
    );

    let chapter = root.join("content/first-steps.md");
    let before = std::fs::read(&chapter).unwrap();
    let out = pgbook().arg("init").arg(&root).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already holds a book"));
    assert_eq!(
        std::fs::read(&chapter).unwrap(),
        before,
        "init must not rewrite files"
    );
}

/// Runs a workflow's shell command in the book the way the CI runner would, with this
/// build's `pgbook` first on `PATH` and the cache directory the workflow names.
fn run_step(root: &std::path::Path, command: &str, cache_dir: &std::path::Path) {
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_pgbook"))
        .parent()
        .unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap());
    let out = Command::new("bash")
        .args(["-eo", "pipefail", "-c", command])
        .current_dir(root)
        .env("PATH", path)
        .env("PGBOOK_CACHE_DIR", cache_dir)
        .env("CI", "true")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "`{command}` failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The site and the JUnit report the workflow's own commands produced.
fn assert_ran(root: &std::path::Path, site: &str, cache_dir: &std::path::Path) {
    let junit = std::fs::read_to_string(root.join("pgbook-junit.xml")).unwrap();
    assert!(
        junit.contains("<testcase") && !junit.contains("<failure"),
        "{junit}"
    );
    assert!(root.join(site).join("index.html").is_file());
    let templates = std::fs::read_dir(cache_dir.join("clusters"))
        .unwrap()
        .count();
    assert!(
        templates > 0,
        "no template in the workflow's cache directory"
    );
}

fn yaml(path: &std::path::Path) -> yaml_rust2::Yaml {
    let text = std::fs::read_to_string(path).unwrap();
    let mut docs = yaml_rust2::YamlLoader::load_from_str(&text).expect("valid YAML");
    assert_eq!(docs.len(), 1);
    docs.remove(0)
}

#[test]
fn github_workflow_is_valid_and_its_steps_pass_locally() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("handbook");
    let out = pgbook()
        .args(["init", "--ci", "github"])
        .arg(&root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let workflow = yaml(&root.join(".github/workflows/pgbook.yml"));
    let job = &workflow["jobs"]["book"];
    assert!(!job["runs-on"].is_badvalue(), "{workflow:?}");
    assert!(!workflow["on"]["pull_request"].is_badvalue());
    let steps = job["steps"].as_vec().unwrap();
    let step = |id: &str| {
        steps
            .iter()
            .find(|s| s["id"].as_str() == Some(id))
            .unwrap_or_else(|| panic!("no step {id}"))
    };
    let install = step("install-postgresql")["run"].as_str().unwrap();
    assert!(install.contains("apt-get install") && install.contains("postgresql"));
    // The cached path is the directory pgbook is told to keep its templates in.
    let cache_env = job["env"]["PGBOOK_CACHE_DIR"].as_str().unwrap();
    let cache = step("cache-templates");
    assert!(cache["uses"]
        .as_str()
        .unwrap()
        .starts_with("actions/cache@"));
    assert_eq!(cache["with"]["path"].as_str(), Some(cache_env));
    let test = step("test")["run"].as_str().unwrap();
    assert!(test.contains("pgbook test --format junit --output pgbook-junit.xml"));
    let publish = step("publish-report");
    assert_eq!(
        publish["with"]["report_paths"].as_str(),
        Some("pgbook-junit.xml")
    );
    assert!(publish["if"].as_str().unwrap().contains("cancelled()"));
    let build = step("build")["run"].as_str().unwrap();
    assert_eq!(build, "pgbook build --dest site");
    assert_eq!(step("upload-site")["with"]["path"].as_str(), Some("site"));

    // The steps that need no GitHub service or package install run here as written.
    let cache_dir = dir.path().join("runner-temp/pgbook-cache");
    run_step(&root, test, &cache_dir);
    run_step(&root, build, &cache_dir);
    assert_ran(&root, "site", &cache_dir);
    let ignored = std::fs::read_to_string(root.join(".gitignore")).unwrap();
    assert!(ignored.contains("/site") && ignored.contains("/pgbook-junit.xml"));
}

#[test]
fn gitlab_pipeline_is_valid_and_its_script_passes_locally() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("handbook");
    let out = pgbook()
        .args(["init", "--ci", "gitlab"])
        .arg(&root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pipeline = yaml(&root.join(".gitlab-ci.yml"));
    let job = &pipeline["pgbook"];
    let before: Vec<&str> = job["before_script"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(before
        .iter()
        .any(|l| l.contains("apt-get install") && l.contains("postgresql")));
    let cache_var = job["variables"]["PGBOOK_CACHE_DIR"].as_str().unwrap();
    let cached = job["cache"]["paths"][0].as_str().unwrap();
    assert_eq!(
        cache_var.trim_start_matches("$CI_PROJECT_DIR/"),
        cached.trim_end_matches('/')
    );
    assert_eq!(
        job["artifacts"]["reports"]["junit"].as_str(),
        Some("pgbook-junit.xml")
    );
    assert_eq!(job["artifacts"]["when"].as_str(), Some("always"));
    let script: Vec<&str> = job["script"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(script.contains(&"pgbook test --format junit --output pgbook-junit.xml"));
    let cache_dir = root.join(cached);
    for line in &script {
        run_step(&root, line, &cache_dir);
    }
    assert_ran(&root, "public", &cache_dir);
}
