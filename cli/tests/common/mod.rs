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

/// A loopback port free now and never handed out twice by this process:
/// the tests of one binary run in parallel, and the kernel's ephemeral
/// ports (`bind(0)`) can give two of them the same one between its release
/// and a server's bind. Ports count up from a base that differs per process.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let offset = (std::process::id() % 1_000) * 30;
    loop {
        let port = (20_000 + (offset + NEXT.fetch_add(1, Ordering::Relaxed)) % 40_000) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
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
