//! `cdpfusion`: the SQL shell (datafusion-cli with every cdpfusion function),
//! the server, the demo and the dataset generator.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::context::SessionConfig;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::logical_expr::ExplainFormat;
use datafusion_cli::object_storage::instrumented::InstrumentedObjectStoreRegistry;
use datafusion_cli::print_format::PrintFormat;
use datafusion_cli::print_options::{MaxRows, PrintOptions};

use cdpfusion::CdpfusionOptions;
use cdpfusion::CdpfusionStatement;
use cdpfusion::data_roots::DataRoots;
use cdpfusion::limits::{ResourceLimits, parse_size};
use cdpfusion::script::split_statements;
use cdpfusion::segments::failed_refreshes;
use cdpfusion_datagen::demo::{DemoOptions, run_demo};
use cdpfusion_datagen::generate::{GenerateOptions, generate};
use cdpfusion_server::{ServerSettings, Users};

mod repl;

#[derive(Debug, Parser)]
#[command(
    name = "cdpfusion",
    version,
    about = "A customer data platform inside DataFusion: SQL shell, PostgreSQL-protocol server, demo and dataset generator",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    shell: ShellArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate the built-in automotive dataset (cached) and run the reference pipeline on it.
    Demo(DemoArgs),
    /// Write the automotive dataset as Parquet files.
    Generate(GenerateArgs),
    /// Serve the session over the PostgreSQL wire protocol (psql, psycopg, BI tools).
    Serve(ServeArgs),
    /// Run an Apache Ballista scheduler that knows every cdpfusion function
    /// (clients connect with `cdpfusion --remote df://HOST:PORT`).
    Scheduler(SchedulerArgs),
    /// Run an Apache Ballista executor with every cdpfusion function, working
    /// for a `cdpfusion scheduler`.
    Executor(ExecutorArgs),
    /// Print the SCRAM-SHA-256 verifier of a password read from standard
    /// input, for the users file of `serve` (`user:<verifier>`).
    HashPassword,
    /// Print a completion script for a shell, e.g.
    /// `cdpfusion completions bash > /etc/bash_completion.d/cdpfusion`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// Without a subcommand, `cdpfusion` is a SQL shell.
#[derive(Debug, Args)]
struct ShellArgs {
    /// Run these SQL commands, then exit (repeatable).
    #[arg(short = 'c', long = "command", value_name = "SQL", value_parser = non_empty)]
    commands: Vec<String>,
    /// Run the SQL statements in these files, then exit; stops at the first error (repeatable).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PrintFormat::Automatic)]
    format: PrintFormat,
    /// Print only results: no timings, no banner.
    #[arg(short, long)]
    quiet: bool,
    /// Rows shown by the table format: a number or 'inf'.
    #[arg(long, default_value = "40")]
    maxrows: MaxRows,
    /// Syntax highlighting in the shell.
    #[arg(long)]
    color: bool,
    /// Run queries on the Ballista cluster whose `cdpfusion scheduler` is at
    /// this address (`df://HOST:PORT`) instead of in this process.
    #[arg(long, value_name = "URL")]
    remote: Option<String>,

    /// Where segments are kept: a directory or an object store URL
    /// (default: $CDPFUSION_CATALOG, else ~/.local/share/cdpfusion/segments).
    #[arg(long, value_name = "DIR")]
    catalog: Option<String>,
    /// A script run before anything else (default: ~/.cdpfusionrc when it exists).
    #[arg(short = 'r', long = "rc", value_name = "FILE")]
    rc: Option<PathBuf>,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Memory and spill limits, as datafusion-cli's.
#[derive(Debug, Args)]
struct LimitArgs {
    /// Memory for all queries (e.g. 2G); operators that can spill to disk do
    /// so when it is reached, others fail with "Resources exhausted".
    #[arg(short = 'm', long, value_name = "SIZE")]
    memory_limit: Option<String>,
    /// Space the spill files may take (e.g. 20G).
    #[arg(long, value_name = "SIZE")]
    disk_limit: Option<String>,
    /// Where spill files go (default: the system's temporary directory).
    #[arg(long, value_name = "DIR")]
    spill_directory: Option<PathBuf>,
}

impl LimitArgs {
    fn limits(&self) -> Result<ResourceLimits> {
        Ok(ResourceLimits {
            memory: self
                .memory_limit
                .as_deref()
                .map(|size| parse_size("--memory-limit", size).map(|bytes| bytes as usize))
                .transpose()?,
            disk: self
                .disk_limit
                .as_deref()
                .map(|size| parse_size("--disk-limit", size))
                .transpose()?,
            spill_directory: self.spill_directory.clone(),
        })
    }
}

#[derive(Debug, Args)]
struct DemoArgs {
    /// Persons in the generated dataset.
    #[arg(long, default_value_t = 100_000, value_parser = positive_count)]
    persons: u64,
    /// Random seed of the dataset.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Where the dataset is cached.
    #[arg(long, default_value = "demo-data")]
    data: PathBuf,
    /// Generate the dataset again even if it is cached.
    #[arg(long)]
    regenerate: bool,
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Debug, Args)]
struct SchedulerArgs {
    /// Address clients and executors connect to.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:50050")]
    bind: std::net::SocketAddr,
}

#[derive(Debug, Args)]
struct ExecutorArgs {
    /// The scheduler's address.
    #[arg(long, value_name = "HOST:PORT", value_parser = host_and_port)]
    scheduler: (String, u16),
    /// Address this executor serves data on (Arrow Flight); its task
    /// service takes the next port.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:50051")]
    bind: std::net::SocketAddr,
    /// Where shuffle files go (default: a temporary directory).
    #[arg(long, value_name = "DIR")]
    work_dir: Option<PathBuf>,
    /// Tasks run at once (default: the machine's cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    concurrent_tasks: Option<u16>,
}

fn host_and_port(value: &str) -> std::result::Result<(String, u16), String> {
    let expected = || format!("expected HOST:PORT, got '{value}'");
    let (host, port) = value.rsplit_once(':').ok_or_else(expected)?;
    let port = port.parse::<u16>().map_err(|_| expected())?;
    if host.is_empty() {
        return Err(expected());
    }
    Ok((host.to_string(), port))
}

#[derive(Debug, Args)]
struct GenerateArgs {
    /// Persons to generate.
    #[arg(long, value_parser = positive_count)]
    persons: u64,
    /// Output directory (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Random seed: the same seed and size give the same files.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on; only this machine can connect unless told otherwise.
    #[arg(long, default_value = "127.0.0.1")]
    host: std::net::IpAddr,
    /// Port to listen on.
    #[arg(long, default_value_t = 5432)]
    port: u16,
    /// Where segments are kept: a directory or an object store URL.
    #[arg(long, value_name = "DIR")]
    catalog: Option<String>,
    /// Refuse DDL, COPY, INSERT and segment changes.
    #[arg(long)]
    read_only: bool,
    /// Run the clients' queries on the Ballista cluster whose `cdpfusion
    /// scheduler` is at this address (`df://HOST:PORT`).
    #[arg(long, value_name = "URL")]
    remote: Option<String>,
    /// Users allowed to connect, one `user:verifier` per line, the verifier
    /// printed by `cdpfusion hash-password` (default: $CDPFUSION_USERS,
    /// pairs separated by commas).
    #[arg(long, value_name = "FILE")]
    users_file: Option<PathBuf>,
    /// A directory or `s3://bucket/prefix` whose files queries may read and
    /// write (repeatable); nothing else is served.
    #[arg(long, value_name = "DIR_OR_URL")]
    data_root: Vec<String>,
    /// Connections served at once; more are refused (SQLSTATE 53300).
    #[arg(long, default_value_t = 100)]
    max_connections: usize,
    /// Seconds a connection has to log in before it is closed.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    login_timeout: u64,
    #[command(flatten)]
    limits: LimitArgs,
    /// Log more (-v: every query with its duration; -vv: debugging).
    /// RUST_LOG, when set, overrides this.
    #[arg(short, long, action = clap::ArgAction::Count)]
    verbose: u8,
    /// SQL files run once at start, before accepting connections (tables, views).
    #[arg(long, value_name = "FILE")]
    init: Vec<PathBuf>,
    /// PEM certificate chain: serve TLS (with --tls-key).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

fn non_empty(value: &str) -> std::result::Result<String, String> {
    if value.trim().is_empty() {
        Err("the SQL command is empty".to_string())
    } else {
        Ok(value.to_string())
    }
}

fn positive_count(value: &str) -> std::result::Result<u64, String> {
    match value.replace('_', "").parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "expected a whole number of persons above 0, got '{value}'"
        )),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cdpfusion: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Some(Command::Demo(args)) => demo(args).await,
            Some(Command::Generate(args)) => generate_command(args),
            Some(Command::Serve(args)) => serve(args).await,
            Some(Command::Scheduler(args)) => {
                let _log = start_logging(0);
                eprintln!("cdpfusion scheduler on {}", args.bind);
                cdpfusion_cluster::run_scheduler(cdpfusion_cluster::SchedulerOptions { bind: args.bind })
                    .await
            }
            Some(Command::Executor(args)) => {
                let _log = start_logging(0);
                eprintln!(
                    "cdpfusion executor on {} for the scheduler at {}:{}",
                    args.bind, args.scheduler.0, args.scheduler.1
                );
                cdpfusion_cluster::run_executor(cdpfusion_cluster::ExecutorOptions {
                    scheduler: args.scheduler,
                    bind: args.bind,
                    work_dir: args.work_dir,
                    concurrent_tasks: args.concurrent_tasks.map(usize::from),
                })
                .await
            }
            Some(Command::HashPassword) => hash_password(),
            Some(Command::Completions { shell }) => {
                clap_complete::generate(
                    shell,
                    &mut <Cli as clap::CommandFactory>::command(),
                    "cdpfusion",
                    &mut std::io::stdout(),
                );
                Ok(())
            }
            None => shell(cli.shell).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {}", one_line(&e));
            ExitCode::FAILURE
        }
    }
}

/// DataFusion errors can wrap context over several lines; a script's caller
/// wants the cause on one line.
fn one_line(e: &DataFusionError) -> String {
    e.to_string()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

async fn demo(args: DemoArgs) -> Result<()> {
    let options = DemoOptions {
        persons: args.persons,
        seed: args.seed,
        data_dir: args.data,
        regenerate: args.regenerate,
    };
    run_demo(&options, &args.limits.limits()?, &mut std::io::stdout()).await
}

fn generate_command(args: GenerateArgs) -> Result<()> {
    let summary = generate(&GenerateOptions {
        persons: args.persons,
        seed: args.seed,
        out: args.out.clone(),
        progress: true,
    })?;
    println!(
        "Wrote {} persons (seed {}) to {} in {:.1}s",
        args.persons,
        args.seed,
        args.out.display(),
        summary.elapsed.as_secs_f64()
    );
    for (table, rows) in summary.rows {
        println!("  {table:<18} {rows:>12} rows");
    }
    Ok(())
}

async fn serve(args: ServeArgs) -> Result<()> {
    let _log = start_logging(args.verbose);
    let users = Users::load(args.users_file.as_deref())?;
    // Secrets stay unreadable even inside a data root.
    let secrets: Vec<PathBuf> = args
        .users_file
        .iter()
        .chain(args.tls_cert.iter())
        .chain(args.tls_key.iter())
        .cloned()
        .collect();
    let roots = DataRoots::new(&args.data_root, &secrets)?;
    let runtime = args
        .limits
        .limits()?
        .apply(RuntimeEnvBuilder::new())
        .build_arc()?;
    let config = session_options(args.catalog)?.into();
    let ctx = match &args.remote {
        Some(url) => cdpfusion_cluster::remote_session(url, config, runtime, Some(roots)).await?,
        None => cdpfusion::cdpfusion_session_within(config, runtime, Some(roots))?,
    };
    for file in &args.init {
        let script = read_script(file)?;
        for statement in split_statements(&script)? {
            cdpfusion::sql(&ctx, &statement).await?.collect().await?;
        }
    }
    let settings = ServerSettings {
        address: std::net::SocketAddr::new(args.host, args.port),
        read_only: args.read_only,
        users,
        tls: args.tls_cert.zip(args.tls_key),
        max_connections: args.max_connections,
        login_timeout: std::time::Duration::from_secs(args.login_timeout),
    };
    let mode = if settings.read_only { " (read-only)" } else { "" };
    let tls = if settings.tls.is_some() { "TLS, " } else { "" };
    cdpfusion_server::serve(ctx, settings, shutdown_signal(), |address| {
        eprintln!("cdpfusion serving on {address}{mode}: {tls}SCRAM-SHA-256 logins; Ctrl-C stops");
    })
    .await?;
    eprintln!("cdpfusion server stopped");
    Ok(())
}

/// Logs to standard error: connections, logins, failures and each query's
/// duration by default, a query's text at -v (where the operator asked for
/// it); never a password. Written by a thread of its own, and dropped
/// rather than waited for when standard error is not read: a server must
/// not stall on its log. The guard flushes it at exit.
fn start_logging(verbose: u8) -> tracing_appender::non_blocking::WorkerGuard {
    let default = match verbose {
        // Ballista 55's scheduler reports, as an error, every stage whose
        // metrics it cannot lay over its plan: noise, not a failure.
        0 => "warn,cdpfusion_server=info,cdpfusion=info,ballista_scheduler::display=off",
        1 => "warn,cdpfusion_server=debug,cdpfusion=debug,ballista_scheduler::display=off",
        _ => "info,cdpfusion_server=trace,cdpfusion=trace",
    };
    let filter = std::env::var("RUST_LOG")
        .ok()
        .filter(|directives| !directives.trim().is_empty())
        .and_then(|directives| tracing_subscriber::EnvFilter::try_new(directives).ok())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new(default));
    let (writer, guard) = tracing_appender::non_blocking(std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(writer)
        .try_init();
    guard
}

fn hash_password() -> Result<()> {
    let mut password = String::new();
    std::io::stdin().read_line(&mut password)?;
    let password = password.trim_end_matches(['\n', '\r']);
    if password.is_empty() {
        return Err(DataFusionError::Configuration(
            "hash-password: expected a password on standard input".to_string(),
        ));
    }
    println!("{}", cdpfusion_server::scram::Verifier::from_password(password));
    Ok(())
}

/// Ctrl-C or SIGTERM (what `kill` and service managers send).
async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
}

fn read_script(file: &std::path::Path) -> Result<String> {
    std::fs::read_to_string(file)
        .map_err(|e| DataFusionError::Execution(format!("cannot read SQL file '{}': {e}", file.display())))
}

/// The shell's settings: DataFusion's from `DATAFUSION_*` variables, the
/// readable EXPLAIN and the segment catalog.
fn session_options(catalog: Option<String>) -> Result<datafusion::config::ConfigOptions> {
    let mut options = datafusion::config::ConfigOptions::from_env()?;
    // As datafusion-cli: the readable tree form of EXPLAIN unless asked otherwise.
    if std::env::var_os("DATAFUSION_EXPLAIN_FORMAT").is_none() {
        options.explain.format = ExplainFormat::Tree;
    }
    options.extensions.insert(CdpfusionOptions::with_catalog(catalog));
    Ok(options)
}

async fn shell(args: ShellArgs) -> Result<()> {
    let options = session_options(args.catalog.clone())?;
    let registry = Arc::new(InstrumentedObjectStoreRegistry::new());
    let runtime = args
        .limits
        .limits()?
        .apply(RuntimeEnvBuilder::new().with_object_store_registry(registry.clone()))
        .build_arc()?;
    let ctx = match &args.remote {
        Some(url) => {
            cdpfusion_cluster::remote_session(url, SessionConfig::from(options), runtime, None).await?
        }
        None => cdpfusion::cdpfusion_session_with(SessionConfig::from(options), runtime)?,
    };
    let mut print_options = PrintOptions {
        format: args.format,
        quiet: args.quiet,
        maxrows: args.maxrows,
        color: args.color,
        instrumented_registry: registry,
    };

    let startup = args.rc.clone().or_else(default_rc_file);
    if let Some(file) = &startup {
        let script = read_script(file)?;
        if let repl::Flow::Quit = repl::run_script(&ctx, &script, &mut print_options).await? {
            return Ok(());
        }
    }
    let piped = !std::io::stdin().is_terminal();
    if args.commands.is_empty() && args.files.is_empty() && piped {
        // A script on standard input runs as -f would: stopped by its first
        // error, with exit status 1.
        let mut script = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut script)?;
        repl::run_script(&ctx, &script, &mut print_options).await?;
        return Ok(());
    }
    if args.commands.is_empty() && args.files.is_empty() {
        if !args.quiet {
            println!(
                "cdpfusion v{} (DataFusion {})",
                env!("CARGO_PKG_VERSION"),
                datafusion::DATAFUSION_VERSION
            );
            println!("Type SQL ending in ';', \\? for help, \\q to quit.");
        }
        return repl::repl(&ctx, &mut print_options).await;
    }
    for file in &args.files {
        let script = read_script(file)?;
        if let repl::Flow::Quit = repl::run_script(&ctx, &script, &mut print_options).await? {
            return Ok(());
        }
    }
    for command in &args.commands {
        if let repl::Flow::Quit = repl::run_script(&ctx, command, &mut print_options).await? {
            return Ok(());
        }
    }
    Ok(())
}

/// `~/.cdpfusionrc`, when it exists: run before anything else, as
/// datafusion-cli runs `~/.datafusionrc`.
fn default_rc_file() -> Option<PathBuf> {
    let file = PathBuf::from(std::env::var_os("HOME")?).join(".cdpfusionrc");
    file.is_file().then_some(file)
}

/// Runs a script's statements in order, stopping at the first that fails:
/// cdpfusion's own through the session's router, the rest as
/// datafusion-cli runs them (its printing, timing and object-store stats).
pub(crate) async fn run_statements(
    ctx: &datafusion::prelude::SessionContext,
    script: &str,
    print_options: &PrintOptions,
) -> Result<()> {
    for statement in split_statements(script)? {
        let started = datafusion::common::instant::Instant::now();
        match CdpfusionStatement::parse(&statement)? {
            Some(own) => {
                let batch = own.execute(ctx).await?;
                print_batch(ctx, &batch, print_options, started)?;
                // A REFRESH SEGMENTS that refreshed the others fails the script.
                let failed = failed_refreshes(&batch);
                if failed > 0 {
                    return Err(DataFusionError::Execution(format!(
                        "{failed} of {} segments failed to refresh (see their error above); the others were refreshed",
                        batch.num_rows()
                    )));
                }
            }
            None => datafusion_cli::exec::exec_from_commands(ctx, vec![statement], print_options).await?,
        }
    }
    Ok(())
}

/// Prints a result cdpfusion computed itself as datafusion-cli prints query
/// results: a table unless a format was asked for.
fn print_batch(
    ctx: &datafusion::prelude::SessionContext,
    batch: &datafusion::arrow::array::RecordBatch,
    print_options: &PrintOptions,
    started: datafusion::common::instant::Instant,
) -> Result<()> {
    let options = ctx.state().config().options().format.clone();
    let mut print_options = print_options.clone();
    if print_options.format == PrintFormat::Automatic {
        print_options.format = PrintFormat::Table;
    }
    print_options.print_batches(
        batch.schema(),
        std::slice::from_ref(batch),
        started,
        batch.num_rows(),
        &options,
    )
}
