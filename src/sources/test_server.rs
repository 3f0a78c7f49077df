//! A minimal HTTP/1.1 server on 127.0.0.1 for the fetch tests.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// How the test server answers one path.
#[derive(Clone)]
pub(super) enum Route {
    Ok(Vec<u8>),
    /// Advertises the full length but sends only this many bytes.
    Truncated(Vec<u8>, usize),
    Redirect(String),
}

/// A minimal HTTP/1.1 server on 127.0.0.1 that counts requests.
pub(super) struct TestServer {
    addr: String,
    requests: Arc<AtomicUsize>,
    routes: Arc<Mutex<HashMap<String, Route>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    pub(super) fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let requests = Arc::new(AtomicUsize::new(0));
        let routes = Arc::new(Mutex::new(HashMap::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (r, rt, s) = (requests.clone(), routes.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    r.fetch_add(1, Ordering::SeqCst);
                    let routes = rt.lock().unwrap().clone();
                    let _ = serve(stream, &routes);
                }
            }
        });
        Self {
            addr,
            requests,
            routes,
            stop,
            thread: Some(thread),
        }
    }

    pub(super) fn route(&self, path: &str, route: Route) -> String {
        self.routes.lock().unwrap().insert(path.to_string(), route);
        self.url(path)
    }

    pub(super) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub(super) fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(&self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(stream: TcpStream, routes: &HashMap<String, Route>) -> io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let (head, body): (String, &[u8]) = match routes.get(path) {
        Some(Route::Ok(data)) => (ok_head(data.len()), data),
        Some(Route::Truncated(data, n)) => (ok_head(data.len()), &data[..*n]),
        Some(Route::Redirect(to)) => (
            format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
            b"",
        ),
        None => (
            "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\n".into(),
            b"not found",
        ),
    };
    let mut stream = stream;
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

fn ok_head(len: usize) -> String {
    format!("HTTP/1.1 200 OK\r\nContent-Type: application/x-xz\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n")
}
