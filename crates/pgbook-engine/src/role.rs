//! `[execute] role`: snippets run as an ordinary role instead of the superuser. [`prepare`]
//! makes the role exist in the chapter's cluster and hands it the chapter's database (called
//! where the database is made, in `Engine::run_chapter`); [`connect_as`] is what every
//! session of the chapter connects with. Administrative work stays the superuser's.
//!
//! It does not decide what a role may do beyond owning its scratch database, and never
//! changes a role that is already there (a superuser named here is refused, not demoted).

use pgbook_psql::ConnectOptions;
use postgres::error::SqlState;
use postgres::Client;

use crate::database::quote_ident;
use crate::error::EngineError;

/// Creates `role` (LOGIN, nothing more) unless it exists, refuses it if it is a superuser,
/// and makes it the owner of `database`, so that it can create objects there as a reader's
/// own database would let them.
pub(crate) fn prepare(admin: &mut Client, role: &str, database: &str) -> Result<(), EngineError> {
    let admin_error = |what: String| move |cause| EngineError::Admin { what, cause };
    let ident = quote_ident(role);
    // Roles are cluster-wide, and under `--database-url` chapters run in parallel on one
    // server: another chapter may create it first, which then fails as a duplicate and is fine.
    match admin.batch_execute(&format!("CREATE ROLE {ident} LOGIN")) {
        Ok(()) => {}
        Err(e)
            if e.code() == Some(&SqlState::DUPLICATE_OBJECT)
                || e.code() == Some(&SqlState::UNIQUE_VIOLATION) => {}
        Err(e) => return Err(admin_error(format!("cannot create role {ident}"))(e)),
    }
    let row = admin
        .query_one("SELECT rolsuper FROM pg_roles WHERE rolname = $1", &[&role])
        .map_err(admin_error(format!("cannot read role {ident}")))?;
    if row.get::<_, bool>(0) {
        return Err(EngineError::UnexpectedAnswer {
            what: format!(
                "[execute] role = {ident} names a superuser; it must be an ordinary role"
            ),
            answer: "rolsuper = true".into(),
        });
    }
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {} OWNER TO {ident}",
            quote_ident(database)
        ))
        .map_err(admin_error(format!(
            "cannot give database {database} to {ident}"
        )))?;
    Ok(())
}

/// The options a chapter's sessions connect with: the superuser's, or `role`'s.
pub(crate) fn connect_as(options: ConnectOptions, role: Option<&str>) -> ConnectOptions {
    match role {
        Some(role) => ConnectOptions {
            user: role.to_string(),
            ..options
        },
        None => options,
    }
}
