//! The shipping service: quotes a price for a number of items and answers
//! `/health`, over plain HTTP/1.1 from the standard library.

use std::env;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;

fn quote(items: u32) -> (u32, u32) {
    if items == 0 {
        return (0, 0);
    }
    let cents = 899 + 50 * (items - 1);
    (cents / 100, cents % 100)
}

fn respond(mut stream: TcpStream) {
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // Drain the headers; the service needs none of them.
    let mut line = String::new();
    while reader.read_line(&mut line).map(|n| n > 2).unwrap_or(false) {
        line.clear();
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let (status, body) = if path == "/health" {
        ("200 OK", "{\"status\":\"ok\"}".to_string())
    } else if let Some(n) = path.strip_prefix("/quote/") {
        match n.parse::<u32>() {
            Ok(items) => {
                let (d, c) = quote(items);
                ("200 OK", format!("{{\"dollars\":{d},\"cents\":{c}}}"))
            }
            Err(_) => ("400 Bad Request", "{\"error\":\"want a count\"}".to_string()),
        }
    } else {
        ("404 Not Found", "{\"error\":\"not found\"}".to_string())
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

fn main() {
    let port = env::var("SHIPPING_PORT").unwrap_or_else(|_| "50050".to_string());
    let listener = TcpListener::bind(format!("0.0.0.0:{port}")).expect("binding the shipping port");
    println!("shipping service listening on {port}");
    for stream in listener.incoming().flatten() {
        thread::spawn(move || respond(stream));
    }
}
