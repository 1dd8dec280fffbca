//! Real servers for the integration tests: a free loopback port, a child
//! process killed when the test ends, and waiting until it accepts
//! connections.

#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

pub fn cdpfusion() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cdpfusion"));
    command.env("RUST_BACKTRACE", "1");
    command
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

/// A child process that is killed when dropped, so a failing test leaves no
/// server behind.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `command` and waits until it listens on `port`.
pub fn start_listening(mut command: Command, port: u16, what: &str) -> Running {
    let child = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e} (scripts/install-test-tools.sh installs it)"));
    let mut running = Running(child);
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = running.0.try_wait() {
            panic!("{what} exited with {status} before listening on port {port}");
        }
        assert!(
            Instant::now() < deadline,
            "{what} did not listen on port {port} within 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    running
}
