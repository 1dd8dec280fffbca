//! `cdpfusion generate`: the built-in automotive dataset (design notes,
//! section 3) as Parquet, deterministic for a seed, streamed to disk in
//! chunks of persons so any size fits in memory.

mod identifiers;
mod noise;
mod person;
mod profile;
mod tables;
mod vocabulary;
mod world;

use std::fs::File;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use arrow::array::RecordBatch;
use datafusion::error::{DataFusionError, Result};
use indicatif::{ProgressBar, ProgressStyle};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

pub use identifiers::{MAX_PERSONS, ZERO_DEVICE_ID};
pub use tables::{TABLE_NAMES, TIME_ZONE};
pub use world::{DATA_END, store_count};

use tables::Tables;
use world::World;

/// Persons simulated per batch written; bounds memory whatever the size.
const PERSONS_PER_CHUNK: u64 = 20_000;
/// The file whose presence marks a complete dataset, written last.
pub const MANIFEST_FILE: &str = "_cdpfusion_dataset.txt";

#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub persons: u64,
    pub seed: u64,
    pub out: PathBuf,
    /// Draw a progress bar (only ever on a terminal).
    pub progress: bool,
}

/// What was written: rows per table, in [`TABLE_NAMES`] order.
#[derive(Debug, Clone)]
pub struct GenerateSummary {
    pub rows: Vec<(String, u64)>,
    pub elapsed: Duration,
}

/// The manifest text for a dataset of these options; a directory whose
/// manifest matches holds exactly that dataset.
pub fn manifest(persons: u64, seed: u64) -> String {
    format!(
        "cdpfusion dataset\ngenerator {}\npersons {persons}\nseed {seed}\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// Whether `dir` already holds the dataset for `persons` and `seed`.
pub fn is_generated(dir: &Path, persons: u64, seed: u64) -> bool {
    std::fs::read_to_string(dir.join(MANIFEST_FILE)).is_ok_and(|m| m == manifest(persons, seed))
}

pub fn generate(options: &GenerateOptions) -> Result<GenerateSummary> {
    let started = Instant::now();
    if options.persons == 0 || options.persons > MAX_PERSONS {
        return Err(DataFusionError::Configuration(format!(
            "generate: --persons must be between 1 and {MAX_PERSONS}, got {}",
            options.persons
        )));
    }
    let out = &options.out;
    std::fs::create_dir_all(out).map_err(|e| io_error("create output directory", out, e))?;
    let _ = std::fs::remove_file(out.join(MANIFEST_FILE));

    let properties = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(1)?))
        .build();
    let mut writers = TABLE_NAMES
        .iter()
        .zip(tables::SCHEMAS.iter())
        .map(|(name, schema)| {
            let path = out.join(format!("{name}.parquet"));
            let file = File::create(&path).map_err(|e| io_error("create", &path, e))?;
            Ok(ArrowWriter::try_new(
                file,
                schema.clone(),
                Some(properties.clone()),
            )?)
        })
        .collect::<Result<Vec<_>>>()?;

    let progress = if options.progress && std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(options.persons);
        bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:40}] {human_pos}/{human_len} persons ({eta})")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_message("generating");
        bar
    } else {
        ProgressBar::hidden()
    };

    let world = World::new(options.seed, options.persons);
    let persons = options.persons;
    let mut rows = vec![0u64; TABLE_NAMES.len()];
    // One thread simulates persons while this one encodes and writes Parquet.
    std::thread::scope(|scope| -> Result<()> {
        let (sender, receiver) = mpsc::sync_channel::<Result<Vec<RecordBatch>>>(2);
        let world = &world;
        scope.spawn(move || {
            let mut start = 0;
            while start < persons {
                let end = (start + PERSONS_PER_CHUNK).min(persons);
                let chunk = simulate_chunk(world, start, end, end == persons);
                if sender.send(chunk).is_err() {
                    return; // the writer stopped on an error
                }
                start = end;
            }
        });
        let mut done = 0;
        for chunk in receiver {
            let batches = chunk?;
            for ((writer, batch), count) in writers.iter_mut().zip(&batches).zip(rows.iter_mut()) {
                writer.write(batch)?;
                *count += batch.num_rows() as u64;
            }
            done = (done + PERSONS_PER_CHUNK).min(persons);
            progress.set_position(done);
        }
        Ok(())
    })?;
    for writer in writers {
        writer.close()?;
    }
    progress.finish_and_clear();
    let manifest_path = out.join(MANIFEST_FILE);
    std::fs::write(&manifest_path, manifest(options.persons, options.seed))
        .map_err(|e| io_error("write", &manifest_path, e))?;
    Ok(GenerateSummary {
        rows: TABLE_NAMES.iter().map(|n| n.to_string()).zip(rows).collect(),
        elapsed: started.elapsed(),
    })
}

/// Rows of persons `start..end`; the last chunk also carries the stores and
/// the shared identifiers the generator planted.
fn simulate_chunk(world: &World, start: u64, end: u64, last: bool) -> Result<Vec<RecordBatch>> {
    let mut tables = Tables::default();
    for index in start..end {
        person::generate_person(world, index, &mut tables);
    }
    if last {
        write_stores_and_shared(world, &mut tables);
    }
    Ok(tables.finish()?)
}

fn write_stores_and_shared(world: &World, tables: &mut Tables) {
    let mut scratch = String::new();
    for (i, store) in world.stores.iter().enumerate() {
        let s = &mut tables.stores;
        s.store_id.append_value(&store.id);
        s.city.append_value(store.city);
        s.region.append_value(store.region);
        s.weight.append_value(store.weight);

        let t = &mut tables.truth_identities;
        for k in 0..world::SALESPEOPLE_PER_STORE {
            identifiers::salesperson_mobile(i, k, &mut scratch);
            t.person_key.append_null();
            t.id_type.append_value("phone");
            t.id_value.append_value(format!("+86{scratch}"));
        }
        identifiers::demo_tablet(&store.id, &mut scratch);
        t.person_key.append_null();
        t.id_type.append_value("device_id");
        t.id_value.append_value(&scratch);
    }
    let t = &mut tables.truth_identities;
    t.person_key.append_null();
    t.id_type.append_value("device_id");
    t.id_value.append_value(ZERO_DEVICE_ID);
}

fn io_error(action: &str, path: &Path, e: std::io::Error) -> DataFusionError {
    DataFusionError::Execution(format!("generate: cannot {action} '{}': {e}", path.display()))
}
