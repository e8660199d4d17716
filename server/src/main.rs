use clap::Parser;

use chat_server::config::{Cli, Command, Config};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Openapi) => {
            print!("{}", chat_server::api::spec_yaml());
            Ok(())
        }
        Some(Command::Serve(config)) => serve(config).await,
        None => serve(Config::from_env()).await,
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    chat_server::telemetry::init();
    chat_server::startup::run(config).await
}
