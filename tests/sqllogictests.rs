//! Runs every `tests/sql/*.slt` file against a fresh cdpfusion session
//! (`server_*.slt` with the functions `cdpfusion serve` adds).
//!
//! `cargo test -p cdpfusion-tests --test sqllogictests -- FILTER` runs the
//! files whose name contains FILTER.

use std::path::PathBuf;
use std::process::ExitCode;

use cdpfusion_tests::CdpfusionDb;

fn main() -> ExitCode {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sql");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/sql exists")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "slt"))
        .filter(|p| {
            filter
                .as_ref()
                .is_none_or(|f| p.to_string_lossy().contains(f.as_str()))
        })
        .collect();
    files.sort();

    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let (mut passed, mut failed) = (0, 0);
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        // server_*.slt: what a connection to `cdpfusion serve` adds.
        let server = name.starts_with("server_");
        let mut runner = sqllogictest::Runner::new(move || async move {
            if server {
                CdpfusionDb::with_server_functions("slt_user")
            } else {
                CdpfusionDb::new()
            }
        });
        match runtime.block_on(runner.run_file_async(file)) {
            Ok(()) => {
                println!("test {name} ... ok");
                passed += 1;
            }
            Err(e) => {
                println!("test {name} ... FAILED\n{e}\n");
                failed += 1;
            }
        }
    }
    println!("\nsqllogictest: {passed} passed, {failed} failed");
    if failed == 0 && passed > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
