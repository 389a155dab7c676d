//! Tiny std-only HTTP service used as a slipway example.
//!
//! Listens on 0.0.0.0:$PORT (default 8080) and serves `GET /` and `GET /healthz`.
//! `hello-rust --healthcheck` probes http://127.0.0.1:$PORT/healthz and exits 0 if
//! healthy, 1 otherwise (for exec-form Docker HEALTHCHECKs on shell-less images).

use std::env;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

static STOP: AtomicBool = AtomicBool::new(false);

fn port() -> u16 {
    match env::var("PORT") {
        Ok(p) if !p.trim().is_empty() => p.trim().parse().unwrap_or_else(|_| {
            eprintln!("invalid PORT {:?}", p);
            process::exit(2);
        }),
        _ => 8080,
    }
}

/// Minimal SIGTERM/SIGINT handling via libc's `signal` (std links libc anyway).
#[cfg(unix)]
mod signals {
    use super::STOP;
    use std::os::raw::c_int;
    use std::sync::atomic::Ordering;

    const SIGINT: c_int = 2;
    const SIGTERM: c_int = 15;

    extern "C" {
        fn signal(signum: c_int, handler: extern "C" fn(c_int)) -> usize;
    }

    extern "C" fn on_signal(_: c_int) {
        STOP.store(true, Ordering::SeqCst); // async-signal-safe
    }

    pub fn install() {
        unsafe {
            signal(SIGTERM, on_signal);
            signal(SIGINT, on_signal);
        }
    }
}

#[cfg(not(unix))]
mod signals {
    pub fn install() {}
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    content_type: &str,
    body: &str,
    head: bool,
) -> io::Result<()> {
    // Build the whole response first so it goes out in a single write.
    let mut out = format!(
        "HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        status,
        content_type,
        body.len()
    );
    if !head {
        out.push_str(body);
    }
    stream.write_all(out.as_bytes())?;
    stream.flush()
}

fn handle(mut stream: TcpStream) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;

    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.by_ref().take(8192).read_line(&mut request_line)?;
    // Drain headers up to the blank line (bounded).
    let mut header = String::new();
    for _ in 0..100 {
        header.clear();
        if reader.by_ref().take(8192).read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
    }

    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("");
    let path = target.split('?').next().unwrap_or("");
    let head = method == "HEAD";

    if method != "GET" && !head {
        return respond(
            &mut stream,
            "405 Method Not Allowed",
            "text/plain; charset=utf-8",
            "method not allowed\n",
            head,
        );
    }
    match path {
        "/" => respond(
            &mut stream,
            "200 OK",
            "application/json",
            "{\"message\":\"hello from rust\"}\n",
            head,
        ),
        "/healthz" => respond(
            &mut stream,
            "200 OK",
            "text/plain; charset=utf-8",
            "ok",
            head,
        ),
        _ => respond(
            &mut stream,
            "404 Not Found",
            "text/plain; charset=utf-8",
            "not found\n",
            head,
        ),
    }
}

fn healthcheck() -> i32 {
    match probe() {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(e) => {
            eprintln!("healthcheck: {}", e);
            1
        }
    }
}

fn probe() -> io::Result<bool> {
    let timeout = Duration::from_secs(2);
    let addr = SocketAddr::from(([127, 0, 0, 1], port()));
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")?;
    let mut status_line = String::new();
    BufReader::new(stream)
        .take(1024)
        .read_line(&mut status_line)?;
    let mut parts = status_line.split_whitespace();
    let ok =
        parts.next().map_or(false, |v| v.starts_with("HTTP/1.")) && parts.next() == Some("200");
    if !ok {
        eprintln!(
            "healthcheck: unexpected response {:?}",
            status_line.trim_end()
        );
    }
    Ok(ok)
}

fn main() {
    if env::args().skip(1).any(|a| a == "--healthcheck") {
        process::exit(healthcheck());
    }

    signals::install();
    let addr = SocketAddr::from(([0, 0, 0, 0], port()));
    let listener = TcpListener::bind(addr).unwrap_or_else(|e| {
        eprintln!("hello-rust: cannot listen on {}: {}", addr, e);
        process::exit(1);
    });
    // Non-blocking accept so the loop can notice SIGTERM promptly.
    listener.set_nonblocking(true).expect("set_nonblocking");
    println!("hello-rust listening on {}", addr);

    while !STOP.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                thread::spawn(move || {
                    if let Err(e) = handle(stream) {
                        eprintln!("hello-rust: connection error: {}", e);
                    }
                });
            }
            Err(ref e)
                if e.kind() == io::ErrorKind::WouldBlock
                    || e.kind() == io::ErrorKind::Interrupted =>
            {
                thread::sleep(Duration::from_millis(50));
            }
            Err(e) => eprintln!("hello-rust: accept error: {}", e),
        }
    }
    println!("hello-rust shutting down");
}
