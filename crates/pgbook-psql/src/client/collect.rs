//! Turning the backend messages of one statement into `Event`s, in arrival order: rows are
//! gathered into the result set of their RowDescription (past `KEPT_ROWS`, compactly, see
//! `ResultSet::all_rows`), an error drops the rows it cut
//! short (as libpq does), notices and errors keep every field psql may print.

use fallible_iterator::FallibleIterator;
use pgbook_book::{Column, CompactRows, Event, ResultSet, ServerMessage, KEPT_ROWS};
use postgres_protocol::message::backend::{
    DataRowBody, ErrorFields, NotificationResponseBody, RowDescriptionBody,
};

use super::error::ClientError;

/// Events of the statement in flight.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    pub events: Vec<Event>,
    rows: Option<ResultSet>,
    /// An ERROR/FATAL that ends the session (FATAL or PANIC) was received.
    pub fatal: bool,
}

impl Collector {
    pub fn row_description(&mut self, body: &RowDescriptionBody) -> Result<(), ClientError> {
        let columns = body
            .fields()
            .map(|f| {
                Ok(Column {
                    name: f.name().to_string(),
                    type_oid: f.type_oid(),
                })
            })
            .collect()
            .map_err(protocol)?;
        self.rows = Some(ResultSet {
            elided_rows: 0,
            all_rows: None,
            columns,
            rows: Vec::new(),
        });
        Ok(())
    }

    pub fn data_row(&mut self, body: &DataRowBody) -> Result<(), ClientError> {
        let Some(result) = self.rows.as_mut() else {
            return Err(ClientError::Protocol(
                "DataRow without RowDescription".into(),
            ));
        };
        let buffer = body.buffer();
        let mut ranges = body.ranges();
        if result.all_rows.is_none() && result.rows.len() < KEPT_ROWS {
            let mut row = Vec::with_capacity(result.columns.len());
            while let Some(range) = ranges.next().map_err(protocol)? {
                row.push(range.map(|r| String::from_utf8_lossy(&buffer[r]).into_owned()));
            }
            result.rows.push(row);
            return Ok(());
        }
        // A large result: from here on every row goes into one compact copy (the first
        // rows too, once), as psql holds a result, and only the first rows stay as values.
        let all = result.all_rows.get_or_insert_with(|| {
            let mut all = CompactRows::new(result.columns.len());
            for row in &result.rows {
                all.push(row.iter().map(|v| v.as_deref()));
            }
            all
        });
        let mut values = Vec::with_capacity(result.columns.len());
        while let Some(range) = ranges.next().map_err(protocol)? {
            values.push(range.map(|r| String::from_utf8_lossy(&buffer[r])));
        }
        all.push(values.iter().map(|v| v.as_deref()));
        result.elided_rows += 1;
        Ok(())
    }

    pub fn command_complete(&mut self, tag: &str) {
        self.events.push(Event::Complete {
            rows: self.rows.take(),
            tag: tag.to_string(),
        });
    }

    /// One row of `COPY ... TO STDOUT`, added to the copy data of this statement (nothing,
    /// when the copy starts).
    pub fn copy_data(&mut self, data: &[u8]) {
        let text = String::from_utf8_lossy(data);
        match self.events.last_mut() {
            Some(Event::CopyOut(all)) => all.push_str(&text),
            _ => self.events.push(Event::CopyOut(text.into_owned())),
        }
    }

    /// A notification: psql prints it once the statement during which it arrived is done
    /// (one that arrived between statements is read, and printed, with the next one).
    pub fn notification(&mut self, body: &NotificationResponseBody) -> Result<(), ClientError> {
        self.events.push(Event::Notification {
            channel: body.channel()?.to_string(),
            payload: body.message()?.to_string(),
            pid: body.process_id(),
        });
        Ok(())
    }

    pub fn empty_query(&mut self) {
        self.events.push(Event::EmptyQuery);
    }

    pub fn error(&mut self, fields: ErrorFields<'_>) -> Result<(), ClientError> {
        let message = server_message(fields)?;
        self.rows = None;
        self.fatal |= matches!(message.severity.as_str(), "FATAL" | "PANIC");
        self.events.push(Event::Error(message));
        Ok(())
    }

    pub fn notice(&mut self, fields: ErrorFields<'_>) -> Result<(), ClientError> {
        let message = server_message(fields)?;
        self.events.push(Event::Notice(message));
        Ok(())
    }

    /// The server closed the connection. Unless it said why (FATAL), record what libpq
    /// reports for a connection that just closed: an error without severity.
    pub fn connection_closed(&mut self) {
        if !self.fatal {
            self.rows = None;
            self.events.push(Event::Error(ServerMessage {
                severity: String::new(),
                sqlstate: "08006".to_string(),
                message: "server closed the connection unexpectedly".to_string(),
                ..ServerMessage::default()
            }));
            self.fatal = true;
        }
    }
}

/// An ErrorResponse or NoticeResponse, field by field.
pub(crate) fn server_message(mut fields: ErrorFields<'_>) -> Result<ServerMessage, ClientError> {
    let mut message = ServerMessage::default();
    let mut unlocalized_severity = None;
    while let Some(field) = fields.next().map_err(protocol)? {
        let value = String::from_utf8_lossy(field.value_bytes()).into_owned();
        match field.type_() {
            b'S' => message.severity = value,
            b'V' => unlocalized_severity = Some(value),
            b'C' => message.sqlstate = value,
            b'M' => message.message = value,
            b'D' => message.detail = Some(value),
            b'H' => message.hint = Some(value),
            b'P' => message.position = value.parse().ok(),
            b'p' => message.internal_position = value.parse().ok(),
            b'q' => message.internal_query = Some(value),
            b'W' => message.context = Some(value),
            b's' | b't' | b'c' | b'd' | b'n' | b'F' | b'L' | b'R' => {
                let verbose = message.verbose.get_or_insert_with(Default::default);
                let slot = match field.type_() {
                    b's' => &mut verbose.schema,
                    b't' => &mut verbose.table,
                    b'c' => &mut verbose.column,
                    b'd' => &mut verbose.datatype,
                    b'n' => &mut verbose.constraint,
                    b'F' => &mut verbose.source_file,
                    b'L' => &mut verbose.source_line,
                    _ => &mut verbose.routine,
                };
                *slot = Some(value);
            }
            _ => {}
        }
    }
    if message.severity.is_empty() {
        message.severity = unlocalized_severity.unwrap_or_else(|| "ERROR".to_string());
    }
    Ok(message)
}

fn protocol(e: std::io::Error) -> ClientError {
    ClientError::Protocol(e.to_string())
}
