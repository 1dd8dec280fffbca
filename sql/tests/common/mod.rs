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

/// Starts the server `command(port)` makes on a free port and waits until
/// it listens there. Tests run in parallel and a free port can be handed to
/// two of them: a server that cannot bind exits, and is started again on
/// another port.
pub fn start_listening(command: impl Fn(u16) -> Command, what: &str) -> (Running, u16) {
    for _ in 0..5 {
        let port = free_port();
        let child = command(port).spawn().unwrap_or_else(|e| {
            panic!("cannot start {what}: {e} (scripts/install-test-tools.sh installs it)")
        });
        let mut running = Running(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut exited = false;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if running.0.try_wait().ok().flatten().is_some() {
                exited = true;
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{what} did not listen on port {port} within 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        // Listening, but perhaps another test's server on the same port:
        // ours must still be running a moment later.
        std::thread::sleep(Duration::from_millis(300));
        if !exited && running.0.try_wait().ok().flatten().is_none() {
            return (running, port);
        }
    }
    panic!("{what} exited before listening, five times");
}
