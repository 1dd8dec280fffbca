//! The interactive shell: datafusion-cli's editor, hints, highlighting and
//! `\` commands, with the segment statements recognised before the rest of
//! the SQL goes to DataFusion.

use std::borrow::Cow;

use datafusion::error::Result;
use datafusion::prelude::SessionContext;
use datafusion_cli::command::{Command, OutputFormat};
use datafusion_cli::helper::CliHelper;
use datafusion_cli::print_options::PrintOptions;
use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Editor, Helper};

use cdpfusion::CdpfusionStatement;

use crate::run_statements;

/// datafusion-cli's helper, except that a complete segment statement is
/// valid input (DataFusion's parser does not know it).
struct ShellHelper(CliHelper);

impl Validator for ShellHelper {
    fn validate(&self, ctx: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
        let input = ctx.input().trim_end();
        if input.ends_with(';') && matches!(CdpfusionStatement::parse(input), Ok(Some(_))) {
            return Ok(ValidationResult::Valid(None));
        }
        self.0.validate(ctx)
    }
}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(&self, line: &str, pos: usize, ctx: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        self.0.complete(line, pos, ctx)
    }
}

impl Hinter for ShellHelper {
    type Hint = String;

    fn hint(&self, line: &str, pos: usize, ctx: &Context<'_>) -> Option<String> {
        self.0.hint(line, pos, ctx)
    }
}

impl Highlighter for ShellHelper {
    fn highlight<'l>(&self, line: &'l str, pos: usize) -> Cow<'l, str> {
        self.0.highlight(line, pos)
    }

    fn highlight_char(&self, line: &str, pos: usize, kind: CmdKind) -> bool {
        self.0.highlight_char(line, pos, kind)
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        self.0.highlight_hint(hint)
    }
}

impl Helper for ShellHelper {}

pub enum Flow {
    Continue,
    Quit,
}

/// A backslash command (`\d`, `\h normalize_phone`, `\pset format csv`,
/// `\q`), as datafusion-cli runs them.
pub async fn run_meta_command(
    ctx: &SessionContext,
    line: &str,
    print_options: &mut PrintOptions,
) -> Result<Flow> {
    let command = line.split_whitespace().collect::<Vec<_>>().join(" ");
    // cdpfusion's functions are not in datafusion-cli's list.
    if let Some(name) = command.strip_prefix("\\h ")
        && let Some(text) = cdpfusion::function_docs::help(name.trim())
    {
        println!("{text}");
        return Ok(Flow::Continue);
    }
    let invalid = || {
        datafusion::error::DataFusionError::Plan(format!(
            "'{}' is not a valid command, \\? lists them",
            line.trim()
        ))
    };
    match command[1..].parse::<Command>() {
        Ok(Command::Quit) => Ok(Flow::Quit),
        Ok(Command::OutputFormat(Some(format))) => {
            let format = format.parse::<OutputFormat>().map_err(|_| invalid())?;
            format.execute(print_options)?;
            Ok(Flow::Continue)
        }
        Ok(Command::OutputFormat(None)) => {
            println!("Output format is {:?}.", print_options.format);
            Ok(Flow::Continue)
        }
        Ok(command) => {
            command.execute(ctx, print_options).await?;
            Ok(Flow::Continue)
        }
        Err(_) => Err(invalid()),
    }
}

/// A script of SQL statements and backslash commands (each on a line of
/// its own), run in order and stopped by the first error or `\q`.
pub async fn run_script(
    ctx: &SessionContext,
    script: &str,
    print_options: &mut PrintOptions,
) -> Result<Flow> {
    let mut sql = String::new();
    for line in script.lines() {
        if line.trim_start().starts_with('\\') {
            run_statements(ctx, &std::mem::take(&mut sql), print_options).await?;
            if let Flow::Quit = run_meta_command(ctx, line.trim(), print_options).await? {
                return Ok(Flow::Quit);
            }
        } else {
            sql.push_str(line);
            sql.push('\n');
        }
    }
    run_statements(ctx, &sql, print_options).await?;
    Ok(Flow::Continue)
}

pub async fn repl(ctx: &SessionContext, print_options: &mut PrintOptions) -> Result<()> {
    let external = |e: ReadlineError| datafusion::error::DataFusionError::External(Box::new(e));
    let mut editor: Editor<ShellHelper, _> = Editor::new().map_err(external)?;
    let dialect = ctx.state().config().options().sql_parser.dialect.clone();
    editor.set_helper(Some(ShellHelper(CliHelper::new(&dialect, print_options.color))));
    editor.load_history(".history").ok();
    loop {
        match editor.readline("> ") {
            Ok(line) if line.starts_with('\\') => {
                editor.add_history_entry(line.trim_end()).map_err(external)?;
                match run_meta_command(ctx, &line, print_options).await {
                    Ok(Flow::Quit) => break,
                    Ok(Flow::Continue) => {}
                    Err(e) => eprintln!("{e}"),
                }
            }
            Ok(line) => {
                editor.add_history_entry(line.trim_end()).map_err(external)?;
                tokio::select! {
                    result = run_statements(ctx, &line, print_options) => {
                        if let Err(e) = result {
                            eprintln!("{e}");
                        }
                    }
                    _ = tokio::signal::ctrl_c() => println!("^C"),
                }
            }
            Err(ReadlineError::Interrupted) => println!("^C"),
            Err(ReadlineError::Eof) => {
                println!("\\q");
                break;
            }
            Err(e) => {
                eprintln!("Unknown error happened {e:?}");
                break;
            }
        }
    }
    editor.save_history(".history").ok();
    Ok(())
}
