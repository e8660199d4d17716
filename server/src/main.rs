use clap::Parser;

use chat_server::config::{Cli, Command, Config};

// Under load glibc's malloc took about a fifth of the server's CPU time (perf record on the
// messages page): many small, short-lived allocations per request.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Openapi) => {
            print!("{}", chat_server::api::spec_yaml());
            Ok(())
        }
        Some(Command::Serve(config)) => serve(*config).await,
        None => serve(Config::from_env()).await,
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    chat_server::telemetry::init(config.log_format);
    let app = chat_server::startup::build(config).await?;
    // One line on stdout with the real address (the port may have been 0): scripts and the
    // contract tests read it to find the server.
    println!("listening on http://{}", app.local_addr());
    app.run_until_stopped().await?;
    Ok(())
}
