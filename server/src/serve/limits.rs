//! How many connections the process can hold: derived from its open-file limit (`ulimit -n`),
//! leaving a reserve for the database, its files and the logs.

/// Raises the soft open-file limit to the hard one, as Go's runtime and nginx do: the soft
/// default (often 1,024) is a relic that caps a chat server's sockets far below what the
/// machine allows. Returns the limit in force.
pub fn raise_open_file_limit() -> std::io::Result<u64> {
    let (soft, _) = rlimit::getrlimit(rlimit::Resource::NOFILE)?;
    let raised = rlimit::increase_nofile_limit(u64::MAX)?;
    if raised > soft {
        tracing::info!(from = soft, to = raised, "raised the open-file limit");
    }
    Ok(raised)
}

/// Descriptors kept back from connections: the database's (a SQLite connection holds three
/// files), the listener, the runtime's, a log file — and a sixteenth for what grows with load.
pub fn reserve(open_file_limit: u64) -> u64 {
    (64 + open_file_limit / 16).min(open_file_limit / 2)
}

/// The most connections the limit allows.
pub fn max_connections(open_file_limit: u64) -> usize {
    let connections = open_file_limit
        .saturating_sub(reserve(open_file_limit))
        .max(1);
    usize::try_from(connections).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usual_limits_leave_a_reserve() {
        assert_eq!(max_connections(256), 256 - 80);
        assert_eq!(max_connections(1024), 1024 - 128);
        assert_eq!(max_connections(1_048_576), 1_048_576 - 65_600);
        // Absurdly low limits still serve someone.
        assert_eq!(max_connections(20), 10);
        assert_eq!(max_connections(0), 1);
    }
}
