use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = firebreak::cli::Cli::parse();
    match firebreak::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("firebreak: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
