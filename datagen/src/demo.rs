//! `cdpfusion demo`: the built-in dataset (generated once, then reused) and
//! the reference pipeline of `datagen/demo/*.sql`, with a readable summary.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use arrow::util::pretty::pretty_format_batches;
use datafusion::error::{DataFusionError, Result};
use datafusion::prelude::{ParquetReadOptions, SessionContext};

use crate::generate::{self, GenerateOptions, TABLE_NAMES};
use cdpfusion::limits::ResourceLimits;
use cdpfusion::script::split_statements;

/// The reference pipeline, in the order it runs. Each file's first comment
/// line is the step's title.
pub const DEMO_STEPS: &[(&str, &str)] = &[
    ("01_identifiers.sql", include_str!("../demo/01_identifiers.sql")),
    (
        "02_identifier_links.sql",
        include_str!("../demo/02_identifier_links.sql"),
    ),
    (
        "03_shared_identifiers.sql",
        include_str!("../demo/03_shared_identifiers.sql"),
    ),
    ("04_one_id.sql", include_str!("../demo/04_one_id.sql")),
    ("05_events.sql", include_str!("../demo/05_events.sql")),
    ("06_lifecycle.sql", include_str!("../demo/06_lifecycle.sql")),
    ("07_funnel.sql", include_str!("../demo/07_funnel.sql")),
    ("08_value.sql", include_str!("../demo/08_value.sql")),
    ("09_segments.sql", include_str!("../demo/09_segments.sql")),
    (
        "10_identity_graph.sql",
        include_str!("../demo/10_identity_graph.sql"),
    ),
    ("11_models.sql", include_str!("../demo/11_models.sql")),
    ("12_assign_leads.sql", include_str!("../demo/12_assign_leads.sql")),
];

/// Rows of a result shown in the demo's output.
const SHOWN_ROWS: usize = 20;

#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub persons: u64,
    pub seed: u64,
    pub data_dir: PathBuf,
    pub regenerate: bool,
}

/// Registers every table of a generated dataset in `dir` under its name.
pub async fn register_dataset(ctx: &SessionContext, dir: &std::path::Path) -> Result<()> {
    for table in TABLE_NAMES {
        let path = dir.join(format!("{table}.parquet"));
        let path = path.to_str().ok_or_else(|| {
            DataFusionError::Configuration(format!("dataset path is not UTF-8: {}", path.display()))
        })?;
        ctx.register_parquet(*table, path, ParquetReadOptions::default())
            .await?;
    }
    Ok(())
}

/// Runs the demo in a session of its own, under `limits`, whose segments
/// live beside the data rather than in the user's catalog.
pub async fn run_demo(options: &DemoOptions, limits: &ResourceLimits, out: &mut impl Write) -> Result<()> {
    let mut config = datafusion::prelude::SessionConfig::from_env()?;
    let catalog = options.data_dir.join("segments").to_string_lossy().into_owned();
    config
        .options_mut()
        .extensions
        .insert(cdpfusion::CdpfusionOptions::with_catalog(Some(catalog)));
    let runtime = limits
        .apply(datafusion::execution::runtime_env::RuntimeEnvBuilder::new())
        .build_arc()?;
    let ctx = cdpfusion::cdpfusion_session_with(config, runtime)?;
    run_demo_in(&ctx, options, out).await
}

/// Runs the demo in `ctx`: afterwards it holds the dataset's tables and
/// every view and table the pipeline made (`one_id`, `events`, ...).
pub async fn run_demo_in(ctx: &SessionContext, options: &DemoOptions, out: &mut impl Write) -> Result<()> {
    let started = Instant::now();
    let dir = &options.data_dir;
    let mut timings: Vec<(String, Duration)> = Vec::new();

    if !options.regenerate && generate::is_generated(dir, options.persons, options.seed) {
        writeln!(
            out,
            "Using the cached dataset in {} ({} persons, seed {}).",
            dir.display(),
            options.persons,
            options.seed
        )?;
    } else {
        writeln!(
            out,
            "Generating {} persons (seed {}) into {} ...",
            options.persons,
            options.seed,
            dir.display()
        )?;
        let summary = generate::generate(&GenerateOptions {
            persons: options.persons,
            seed: options.seed,
            out: dir.clone(),
            progress: true,
        })?;
        timings.push(("generate dataset".to_string(), summary.elapsed));
    }

    register_dataset(ctx, dir).await?;

    writeln!(out, "\n== Source tables")?;
    let step = Instant::now();
    let counts = TABLE_NAMES
        .iter()
        .map(|t| format!("SELECT '{t}' AS table_name, count(*) AS row_count FROM {t}"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let batches = ctx
        .sql(&format!("{counts} ORDER BY row_count DESC"))
        .await?
        .collect()
        .await?;
    writeln!(out, "{}", pretty_format_batches(&batches)?)?;
    timings.push(("count source rows".to_string(), step.elapsed()));

    for (file, script) in DEMO_STEPS {
        let title = script
            .lines()
            .next()
            .unwrap_or(file)
            .trim_start_matches("--")
            .trim();
        writeln!(out, "\n== {title}   [datagen/demo/{file}]")?;
        let step = Instant::now();
        for statement in split_statements(script)? {
            let df = cdpfusion::sql(ctx, &statement)
                .await
                .map_err(|e| e.context(format!("demo step {file}")))?;
            let batches = df
                .collect()
                .await
                .map_err(|e| e.context(format!("demo step {file}")))?;
            if batches.iter().map(|b| b.num_rows()).sum::<usize>() == 0 {
                continue;
            }
            write_rows(out, &batches)?;
        }
        timings.push((file.to_string(), step.elapsed()));
    }

    let session = write_session_script(dir)?;
    writeln!(
        out,
        "\nThe demo's tables and views for a fresh process: {} (e.g. cdpfusion -r {} --catalog {} -c \"REFRESH SEGMENTS\")",
        session.display(),
        session.display(),
        dir.join("segments").display()
    )?;

    writeln!(out, "\n== Timings")?;
    for (name, took) in &timings {
        writeln!(out, "  {name:<32} {:>8.2}s", took.as_secs_f64())?;
    }
    writeln!(out, "  {:<32} {:>8.2}s", "total", started.elapsed().as_secs_f64())?;
    Ok(())
}

/// The file `write_session_script` writes beside the data.
pub const SESSION_SCRIPT: &str = "session.sql";

/// Whether a statement defines something (a view, a table) rather than
/// reports: its first word after any comment lines.
fn defines(statement: &str) -> bool {
    first_words(statement).starts_with("CREATE")
}

/// Writes `dir/session.sql`: the dataset's tables as external tables and
/// every view and table the demo's segments read (steps 01 to 05, the
/// demo's clock where it ended, and the tables of step 11), so that a fresh process (`cdpfusion -r`,
/// `cdpfusion serve --init`) can refresh the segments or query the views.
/// A segment's definition runs in the session that refreshes it.
pub fn write_session_script(dir: &std::path::Path) -> Result<PathBuf> {
    let absolute = std::path::absolute(dir)?;
    let mut script =
        String::from("-- Written by `cdpfusion demo`: the demo's tables and views, for a fresh session.\n");
    for table in TABLE_NAMES {
        let location = absolute.join(format!("{table}.parquet"));
        script.push_str(&format!(
            "CREATE EXTERNAL TABLE {table} STORED AS PARQUET LOCATION '{}';\n",
            location.display().to_string().replace('\'', "''")
        ));
    }
    // The steps the segments read: the identifiers, One-ID and the events.
    let inputs = DEMO_STEPS
        .iter()
        .take_while(|(file, _)| *file != "06_lifecycle.sql");
    for (file, step) in inputs {
        let definitions: Vec<String> = split_statements(step)?
            .into_iter()
            .filter(|s| defines(s))
            .collect();
        if !definitions.is_empty() {
            script.push_str(&format!("\n-- datagen/demo/{file}\n"));
            for statement in definitions {
                script.push_str(statement.trim());
                script.push_str(";\n");
            }
        }
    }
    // The clock the demo ended at: the last one step 09 sets.
    let segments = DEMO_STEPS
        .iter()
        .find(|(file, _)| *file == "09_segments.sql")
        .map_or("", |(_, script)| script);
    if let Some(clock) = split_statements(segments)?
        .into_iter()
        .filter(|s| defines(s) && s.contains("demo_clock") && !s.to_ascii_uppercase().contains("SEGMENT"))
        .last()
    {
        script.push_str("\n-- the demo's clock (datagen/demo/09_segments.sql)\n");
        script.push_str(clock.trim());
        script.push_str(";\n");
    }
    // The tables the model's segment reads (the model itself is in the catalog).
    let models = DEMO_STEPS
        .iter()
        .find(|(file, _)| *file == "11_models.sql")
        .map_or("", |(_, script)| script);
    let tables: Vec<String> = split_statements(models)?
        .into_iter()
        .filter(|s| defines(s) && first_words(s).starts_with("CREATE OR REPLACE TABLE"))
        .collect();
    if !tables.is_empty() {
        script.push_str("\n-- the tables of datagen/demo/11_models.sql\n");
        for statement in tables {
            script.push_str(statement.trim());
            script.push_str(";\n");
        }
    }
    let path = dir.join(SESSION_SCRIPT);
    std::fs::write(&path, script)?;
    Ok(path)
}

/// A statement's first words, upper-cased, comments skipped.
fn first_words(statement: &str) -> String {
    statement
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("--"))
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_uppercase()
}

fn write_rows(out: &mut impl Write, batches: &[arrow::array::RecordBatch]) -> Result<()> {
    let total: usize = batches.iter().map(|b| b.num_rows()).sum();
    let mut shown = Vec::new();
    let mut left = SHOWN_ROWS;
    for batch in batches {
        if left == 0 {
            break;
        }
        let take = left.min(batch.num_rows());
        shown.push(batch.slice(0, take));
        left -= take;
    }
    writeln!(out, "{}", pretty_format_batches(&shown)?)?;
    if total > SHOWN_ROWS {
        writeln!(out, "({total} rows, first {SHOWN_ROWS} shown)")?;
    }
    Ok(())
}
