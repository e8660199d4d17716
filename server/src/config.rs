//! Every setting of the server, with its CLI flag, environment variable and default in one place.

use std::ffi::OsString;
use std::fmt::{self, Display};
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Args, CommandFactory, Parser, Subcommand};
use ipnet::IpNet;

use crate::auth::password;

/// The request body limit unless `CHAT_MAX_BODY_BYTES` says otherwise.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;
/// Open sockets per user unless `CHAT_WS_MAX_CONNECTIONS_PER_USER` says otherwise.
pub const DEFAULT_WS_MAX_CONNECTIONS_PER_USER: usize = 32;

#[derive(Debug, Parser)]
#[command(
    name = "chat-server",
    version,
    about = "Chat rooms and messages over REST, OpenAPI-first."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default when no command is given).
    Serve(Box<Config>),
    /// Print the OpenAPI document as YAML (the checked-in openapi.yaml is this output).
    Openapi,
}

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to listen on: `HOST:PORT` (`127.0.0.1:8000`, `localhost:8000`, `[::1]:8000`,
    /// `0.0.0.0:8000` for every interface) or a bare `PORT` (on 127.0.0.1).
    #[arg(long, env = "CHAT_BIND", default_value = "127.0.0.1:8000")]
    pub bind: BindAddress,

    /// Database: a SQLite file as `sqlite://<file>`, `sqlite:<file>`, `file:<file>` or a bare
    /// path (created, mode 0600, if missing; its directory must exist and be writable), or
    /// `postgres://user:pass@host:port/db` (several instances may share one). Either is
    /// migrated on start. `sqlite::memory:` keeps nothing beyond the run.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://chat.db")]
    pub database_url: String,

    /// Secret that signs tokens and cursors. Without it a random one is generated on first
    /// start and kept beside the SQLite file (`<database>.jwt-secret`, mode 0600), or in the
    /// PostgreSQL database, where every instance on it finds the same one.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// Lifetime of access tokens, in seconds.
    #[arg(long, env = "JWT_ACCESS_TTL_SECS", default_value_t = 300, value_parser = at_least_one::<u64>)]
    pub access_token_ttl_secs: u64,

    /// Lifetime of refresh tokens, in seconds.
    #[arg(long, env = "JWT_REFRESH_TTL_SECS", default_value_t = 86_400, value_parser = at_least_one::<u64>)]
    pub refresh_token_ttl_secs: u64,

    /// Largest accepted request body, in bytes (larger → 413).
    #[arg(long, env = "CHAT_MAX_BODY_BYTES", default_value_t = DEFAULT_MAX_BODY_BYTES, value_parser = at_least_one::<usize>)]
    pub max_body_bytes: usize,

    /// Origins that browsers may call the API from (CORS), comma-separated, each
    /// `scheme://host[:port]` as browsers send it (`https://chat.example`); `*` for any.
    /// Empty (the default): no CORS headers, same-origin use only.
    #[arg(long, env = "CHAT_CORS_ORIGINS", value_delimiter = ',', value_parser = cors_origin)]
    pub cors_origins: Vec<String>,

    /// Seconds in-flight requests get to finish after SIGTERM / Ctrl-C.
    #[arg(long, env = "CHAT_SHUTDOWN_GRACE_SECS", default_value_t = 10)]
    pub shutdown_grace_secs: u64,

    /// Largest WebSocket frame (and message) a client may send, in bytes.
    #[arg(long, env = "CHAT_WS_MAX_FRAME_BYTES", default_value_t = 64 * 1024, value_parser = at_least_one::<usize>)]
    pub ws_max_frame_bytes: usize,

    /// Open WebSocket connections allowed per user (more → 429).
    #[arg(long, env = "CHAT_WS_MAX_CONNECTIONS_PER_USER", default_value_t = DEFAULT_WS_MAX_CONNECTIONS_PER_USER, value_parser = at_least_one::<usize>)]
    pub ws_max_connections_per_user: usize,

    /// Events queued for one WebSocket connection; a client that falls this far behind is
    /// closed with 1008 `slow consumer` (it catches up with `after=`).
    #[arg(long, env = "CHAT_WS_QUEUE_LEN", default_value_t = 256, value_parser = at_least_one::<usize>)]
    pub ws_queue_len: usize,

    /// Seconds between pings; a connection silent for two intervals is dropped.
    #[arg(long, env = "CHAT_WS_PING_INTERVAL_SECS", default_value_t = 20, value_parser = at_least_one::<u64>)]
    pub ws_ping_interval_secs: u64,

    /// SQLite connections for reads, each with a thread of its own [default: twice the CPU
    /// cores]. On PostgreSQL: the pool's size less one (the message writer's).
    // Twice the cores: on 2 cores, 4 beat both 2 and 8 (bench/, messages page).
    #[arg(long, env = "CHAT_DB_READ_CONNECTIONS", value_parser = at_least_one::<u32>)]
    pub db_read_connections: Option<u32>,

    /// `full`: a 201 means the message survives power loss (SQLite synchronous=FULL;
    /// PostgreSQL synchronous_commit as the server sets it). `relaxed` (SQLite
    /// synchronous=NORMAL; PostgreSQL synchronous_commit=off): faster, but a power loss or OS
    /// crash may lose the last moments' acknowledged messages (a server process crash loses
    /// nothing on SQLite; on PostgreSQL a database crash may lose them too).
    #[arg(long, env = "CHAT_DURABILITY", value_enum, default_value_t = Durability::Full)]
    pub durability: Durability,

    /// Messages one user may send per second, sustained (429 with Retry-After beyond);
    /// 0 turns the limit off.
    #[arg(long, env = "CHAT_MESSAGE_RATE", default_value_t = 20)]
    pub message_rate: u32,

    /// Messages one user may send in a burst above the sustained rate.
    #[arg(long, env = "CHAT_MESSAGE_BURST", default_value_t = 40, value_parser = at_least_one::<u32>)]
    pub message_burst: u32,

    /// Failed token requests (`POST /api/token/`, wrong password) per minute for one username
    /// from one client address; beyond, that address gets 429 with Retry-After for the
    /// username, right password or not. Other addresses are not affected. 0 turns the limit off.
    #[arg(long, env = "CHAT_TOKEN_RATE_PER_MIN", default_value_t = 10)]
    pub token_rate_per_min: u32,

    /// Proxies whose `X-Forwarded-For` is believed, comma-separated addresses or CIDRs
    /// (`10.0.0.0/8,127.0.0.1`): behind them, the client address (of the login throttle) is
    /// the right-most forwarded address that is not one of them. From anyone else the header
    /// is ignored. Empty (the default): the TCP peer is the client.
    #[arg(long, env = "CHAT_TRUSTED_PROXIES", value_delimiter = ',', value_parser = network)]
    pub trusted_proxies: Vec<IpNet>,

    /// Seconds a client has to send a request's headers once it connects or after its previous
    /// request (slow or idle connections are closed).
    #[arg(long, env = "CHAT_HEADER_READ_TIMEOUT_SECS", default_value_t = 10, value_parser = at_least_one::<u64>)]
    pub header_read_timeout_secs: u64,

    /// Connections held open at once, WebSockets included [default: derived from the open-file
    /// limit, `ulimit -n`, less a reserve]. When full, the connection idle the longest (one
    /// that never sent a request first) makes room for a new one.
    #[arg(long, env = "CHAT_MAX_CONNECTIONS", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections: Option<u64>,

    /// Seconds a request may take, body included, before it is answered 503 (WebSocket
    /// sessions are not requests: only their handshake counts).
    #[arg(long, env = "CHAT_REQUEST_TIMEOUT_SECS", default_value_t = 30, value_parser = at_least_one::<u64>)]
    pub request_timeout_secs: u64,

    /// Memory of one password hash (Argon2id), in KiB. The default is OWASP's recommended
    /// minimum (19 MiB with 2 passes); raise it if logins can afford it. Lower values are for
    /// test servers only (the server warns): they make stolen hashes cheaper to crack. Stored
    /// hashes keep their own cost, so changing it never locks anyone out.
    #[arg(long, env = "CHAT_PASSWORD_HASH_MEMORY_KIB", default_value_t = password::DEFAULT_MEMORY_KIB, value_parser = hash_memory_kib)]
    pub password_hash_memory_kib: u32,

    /// Passes over that memory of one password hash (Argon2id's time cost).
    #[arg(long, env = "CHAT_PASSWORD_HASH_PASSES", default_value_t = password::DEFAULT_PASSES, value_parser = at_least_one::<u32>)]
    pub password_hash_passes: u32,

    /// How long stored events stay resumable (`since`), in hours (fractions allowed); older
    /// ones are pruned in the background, and resuming from before them is answered with
    /// `resync` / 410.
    #[arg(long, env = "CHAT_EVENT_RETENTION_HOURS", default_value_t = 168.0, value_parser = retention_hours)]
    pub event_retention_hours: f64,

    /// Log format on stderr: `pretty` for people, `json` (one object per line) for machines.
    #[arg(long, env = "CHAT_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,
}

/// Where to listen: a host name or IP address, and a port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindAddress {
    pub host: String,
    pub port: u16,
}

const BIND_FORMS: &str = "expected HOST:PORT (127.0.0.1:8000, localhost:8000, [::1]:8000, \
     0.0.0.0:8000 for every interface) or a bare PORT (8000, on 127.0.0.1)";

impl FromStr for BindAddress {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let value = value.trim();
        let unexpected = || format!("{value:?} is not an address to listen on: {BIND_FORMS}");
        if let Ok(port) = value.parse::<u16>() {
            return Ok(Self {
                host: "127.0.0.1".into(),
                port,
            });
        }
        if let Ok(address) = value.parse::<SocketAddr>() {
            return Ok(Self {
                host: address.ip().to_string(),
                port: address.port(),
            });
        }
        let (host, port) = value.rsplit_once(':').ok_or_else(unexpected)?;
        let port = port.parse::<u16>().map_err(|_| unexpected())?;
        // A host name (RFC 1123 labels); IP addresses were taken above.
        let is_name = !host.is_empty()
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            });
        if !is_name {
            return Err(unexpected());
        }
        Ok(Self {
            host: host.to_owned(),
            port,
        })
    }
}

impl fmt::Display for BindAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// A CIDR, or a single address (a network of one).
fn network(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{text:?} is neither an IP address nor a CIDR such as 10.0.0.0/8"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Durability {
    Full,
    Relaxed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

impl Config {
    pub fn db_read_connections(&self) -> u32 {
        self.db_read_connections.unwrap_or_else(|| {
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            u32::try_from(cores * 2).unwrap_or(u32::MAX).min(32)
        })
    }

    pub fn access_token_ttl(&self) -> Duration {
        Duration::from_secs(self.access_token_ttl_secs)
    }

    pub fn refresh_token_ttl(&self) -> Duration {
        Duration::from_secs(self.refresh_token_ttl_secs)
    }
}

impl Config {
    /// The configuration `chat-server` gets with no arguments: environment variables, then
    /// defaults. An invalid variable ends the process with clap's error, naming the variable.
    pub fn from_env() -> Self {
        #[derive(Parser)]
        struct Defaults {
            #[command(flatten)]
            config: Config,
        }
        let argv = [OsString::from("chat-server")];
        match Defaults::try_parse_from(&argv) {
            Ok(defaults) => defaults.config,
            Err(err) => name_the_variable(err, &Defaults::command(), &argv).exit(),
        }
    }
}

impl Cli {
    /// The command line (and the environment), or the process ends with clap's error, which
    /// names the environment variable when that is where an invalid value came from.
    pub fn from_args() -> Self {
        let argv: Vec<OsString> = std::env::args_os().collect();
        match Self::try_parse_from(&argv) {
            Ok(cli) => cli,
            Err(err) => name_the_variable(err, &Self::command(), &argv).exit(),
        }
    }
}

/// clap names the flag of an invalid value even when the value came from the flag's
/// environment variable, which is where the operator has to look: name the variable too.
fn name_the_variable(
    mut err: clap::Error,
    command: &clap::Command,
    argv: &[OsString],
) -> clap::Error {
    if !matches!(
        err.kind(),
        ErrorKind::ValueValidation | ErrorKind::InvalidValue
    ) {
        return err;
    }
    let Some(ContextValue::String(invalid)) = err.get(ContextKind::InvalidArg).cloned() else {
        return err;
    };
    let on_command_line = |long: &str| {
        argv.iter().filter_map(|arg| arg.to_str()).any(|arg| {
            arg.strip_prefix("--")
                .and_then(|arg| arg.strip_prefix(long))
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('='))
        })
    };
    let variable = command
        .get_subcommands()
        .chain([command])
        .flat_map(clap::Command::get_arguments)
        .filter_map(|arg| Some((arg.get_long()?, arg.get_env()?)))
        .find(|(long, _)| {
            invalid
                .strip_prefix("--")
                .and_then(|rest| rest.strip_prefix(long))
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
        })
        .filter(|(long, env)| !on_command_line(long) && std::env::var_os(env).is_some())
        .map(|(_, env)| env.to_string_lossy().into_owned());
    if let Some(variable) = variable {
        // Rendered inside clap's quotes: `for '--flag <FLAG>' from the environment variable 'X'`.
        err.insert(
            ContextKind::InvalidArg,
            ContextValue::String(format!(
                "{invalid}' from the environment variable '{variable}"
            )),
        );
    }
    err
}

/// Counts, sizes and durations where zero cannot work: a zero-byte body limit refuses every
/// request, a zero-length queue cannot be built, a zero timeout or lifetime expires at once.
fn at_least_one<T>(value: &str) -> Result<T, String>
where
    T: FromStr + PartialEq + Default,
    T::Err: Display,
{
    match value.trim().parse::<T>() {
        Ok(n) if n == T::default() => Err("must be at least 1".to_owned()),
        Ok(n) => Ok(n),
        Err(err) => Err(err.to_string()),
    }
}

/// Argon2's floor: 8 KiB a lane (the server hashes with one).
fn hash_memory_kib(value: &str) -> Result<u32, String> {
    match value.trim().parse::<u32>() {
        Ok(n) if n < password::MIN_MEMORY_KIB => {
            Err(format!("must be at least {}", password::MIN_MEMORY_KIB))
        }
        Ok(n) => Ok(n),
        Err(err) => Err(err.to_string()),
    }
}

/// A CORS origin as browsers send it in `Origin`: `*`, or `scheme://host[:port]` with nothing
/// after (a path or a trailing `/` would never match).
fn cors_origin(value: &str) -> Result<String, String> {
    let origin = value.trim();
    if origin.is_empty() || origin == "*" {
        return Ok(origin.to_owned());
    }
    let wanted = "must be `*` or `scheme://host[:port]`, e.g. `https://chat.example`";
    let Some((scheme, authority)) = origin.split_once("://") else {
        return Err(format!("`{origin}` has no scheme; {wanted}"));
    };
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return Err(format!("`{origin}` has no valid scheme; {wanted}"));
    }
    if authority.is_empty() || authority.contains(['/', '?', '#', ' ']) {
        return Err(format!(
            "`{origin}` is not just a scheme and a host; {wanted}"
        ));
    }
    Ok(origin.to_owned())
}

/// A positive, finite number of hours.
fn retention_hours(raw: &str) -> Result<f64, String> {
    match raw.trim().parse::<f64>() {
        Ok(hours) if hours.is_finite() && hours > 0.0 => Ok(hours),
        _ => Err(format!("{raw:?} is not a positive number of hours")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bind(value: &str) -> Result<String, String> {
        value
            .parse::<BindAddress>()
            .map(|address| address.to_string())
    }

    #[test]
    fn bind_takes_addresses_host_names_and_bare_ports() {
        assert_eq!(bind("127.0.0.1:8000"), Ok("127.0.0.1:8000".into()));
        assert_eq!(bind("[::1]:8000"), Ok("[::1]:8000".into()));
        assert_eq!(bind("localhost:8000"), Ok("localhost:8000".into()));
        assert_eq!(bind("chat.internal:80"), Ok("chat.internal:80".into()));
        assert_eq!(bind("8000"), Ok("127.0.0.1:8000".into()));
        for wrong in [
            ":8000",
            "localhost",
            "localhost:http",
            "::1:8000",
            "a_b:1",
            "x:70000",
            "",
        ] {
            let error = bind(wrong).expect_err(wrong);
            assert!(error.contains("expected HOST:PORT"), "{wrong}: {error}");
        }
    }
}
