use std::process::ExitCode;

use chat_server::config::{Cli, Command, Config};

// Under load glibc's malloc took about a fifth of the server's CPU time (perf record on the
// messages page): many small, short-lived allocations per request.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::from_args();
    let served = match cli.command {
        Some(Command::Openapi) => {
            print!("{}", chat_server::api::spec_yaml());
            Ok(())
        }
        Some(Command::Serve(config)) => serve(*config).await,
        None => serve(Config::from_env()).await,
    };
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line: each cause once, joined by `: ` (anyhow's `{:#}`), no backtrace.
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    chat_server::telemetry::init(config.log_format).map_err(anyhow::Error::msg)?;
    let app = chat_server::startup::build(config).await?;
    let base = format!("http://{}", app.local_addr());
    // The first line on stdout, exactly so: scripts and the contract tests read the real
    // address from it (the port may have been 0).
    println!("listening on {base}");
    println!(
        "chat-server {}, database {}",
        env!("CARGO_PKG_VERSION"),
        app.database()
    );
    println!("API docs: {base}/docs/");
    app.run_until_stopped().await?;
    Ok(())
}
