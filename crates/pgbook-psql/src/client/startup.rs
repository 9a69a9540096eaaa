//! Opening a session: the startup message (the parameters psql sends by default) and
//! authentication — trust, cleartext password, MD5 and SCRAM-SHA-256.

use bytes::BytesMut;
use postgres_protocol::authentication::{md5_hash, sasl};
use postgres_protocol::message::backend::Message;
use postgres_protocol::message::frontend;

use super::collect::server_message;
use super::error::ClientError;
use super::options::ConnectOptions;
use super::Connection;

const SCRAM_SHA_256: &str = "SCRAM-SHA-256";

impl Connection {
    /// Sends the startup message and answers the server until it is ready for queries.
    pub(super) fn start_session(&mut self, options: &ConnectOptions) -> Result<(), ClientError> {
        let mut buf = BytesMut::new();
        // What psql sends with `-X` in a UTF-8 locale: client_encoding=auto becomes UTF8.
        let parameters = [
            ("user", options.user.as_str()),
            ("database", options.dbname.as_str()),
            ("application_name", options.application_name.as_str()),
            ("client_encoding", "UTF8"),
        ];
        frontend::startup_message(parameters, &mut buf)?;
        self.write_all(&buf)?;

        let mut scram: Option<sasl::ScramSha256> = None;
        loop {
            match self.read_message()? {
                Message::AuthenticationOk => {}
                Message::AuthenticationCleartextPassword => {
                    let password = password(options)?;
                    self.send_password(password.as_bytes())?;
                }
                Message::AuthenticationMd5Password(body) => {
                    let password = password(options)?;
                    let hash = md5_hash(options.user.as_bytes(), password.as_bytes(), body.salt());
                    self.send_password(hash.as_bytes())?;
                }
                Message::AuthenticationSasl(body) => {
                    let mut mechanisms = body.mechanisms();
                    let mut offered = false;
                    while let Some(m) = fallible_iterator::FallibleIterator::next(&mut mechanisms)?
                    {
                        offered |= m == SCRAM_SHA_256;
                    }
                    if !offered {
                        return Err(ClientError::Authentication(
                            "the server offers no SASL mechanism this client supports".into(),
                        ));
                    }
                    let password = password(options)?;
                    let client = sasl::ScramSha256::new(
                        password.as_bytes(),
                        sasl::ChannelBinding::unsupported(),
                    );
                    let mut buf = BytesMut::new();
                    frontend::sasl_initial_response(SCRAM_SHA_256, client.message(), &mut buf)?;
                    self.write_all(&buf)?;
                    scram = Some(client);
                }
                Message::AuthenticationSaslContinue(body) => {
                    let client = scram.as_mut().ok_or_else(|| unexpected("SASLContinue"))?;
                    client.update(body.data())?;
                    let mut buf = BytesMut::new();
                    frontend::sasl_response(client.message(), &mut buf)?;
                    self.write_all(&buf)?;
                }
                Message::AuthenticationSaslFinal(body) => {
                    let client = scram.as_mut().ok_or_else(|| unexpected("SASLFinal"))?;
                    client.finish(body.data())?;
                }
                Message::BackendKeyData(body) => {
                    self.backend_pid = body.process_id();
                    self.secret_key = body.secret_key();
                }
                Message::ParameterStatus(body) => self.parameter_status(&body)?,
                Message::NoticeResponse(_) => {}
                Message::ErrorResponse(body) => {
                    return Err(ClientError::Rejected(Box::new(server_message(
                        body.fields(),
                    )?)));
                }
                Message::ReadyForQuery(body) => {
                    self.status = body.status();
                    return Ok(());
                }
                _ => return Err(unexpected("message during startup")),
            }
        }
    }

    fn send_password(&mut self, password: &[u8]) -> Result<(), ClientError> {
        let mut buf = BytesMut::new();
        frontend::password_message(password, &mut buf)?;
        self.write_all(&buf)
    }
}

fn password(options: &ConnectOptions) -> Result<&str, ClientError> {
    options.password.as_deref().ok_or_else(|| {
        ClientError::Authentication(format!(
            "the server asks for a password for user \"{}\" and none was given",
            options.user
        ))
    })
}

fn unexpected(what: &str) -> ClientError {
    ClientError::Protocol(format!("unexpected {what}"))
}
