//! `mtcp_rate`: an open-loop HTTP/1.1 load generator for latency at a fixed
//! offered load, on the kernel's sockets, for every server alike.
//!
//! Request `i` is due at `start + i / rate`, whatever happened before it, and
//! its latency is counted from that due time to the last byte of its response
//! (so a server that stalls is charged for every request it held back: no
//! coordinated omission, as in wrk2). Two modes:
//!
//! - `keepalive`: `--connections` persistent connections, one request at a
//!   time each; a due request waits in a queue for an idle connection, and
//!   that wait counts.
//! - `close`: each request opens its own connection at its due time
//!   (`Connection: close`), so the handshake counts; the server closes first
//!   and the client reads to the end, so TIME-WAIT stays on the server.
//!
//! Prints one JSON object: offered and achieved rate, requests completed and
//! failed, and latency quantiles in microseconds (requests due in the first
//! `--warmup` seconds are sent but not counted).
//!
//! With `--log FILE`, every counted request is also written to FILE as a
//! line `DUE_US LATENCY_US STATUS` (0 for a failure), for a timeline.
//!
//! Usage: mtcp_rate --host IP --port N [--path /] --rate R [--seconds 10]
//!                  [--warmup 2] [--mode keepalive|close] [--connections 50]
//!                  [--log FILE]

use std::collections::VecDeque;
use std::env;
use std::net::Ipv4Addr;
use std::process::exit;
use std::time::{Duration, Instant};

#[repr(C)]
struct PollFd {
    fd: i32,
    events: i16,
    revents: i16,
}

#[repr(C)]
struct Timespec {
    sec: i64,
    nsec: i64,
}

#[repr(C)]
struct SockaddrIn {
    family: u16,
    port: u16,
    addr: u32,
    zero: [u8; 8],
}

extern "C" {
    fn socket(domain: i32, ty: i32, protocol: i32) -> i32;
    fn connect(fd: i32, addr: *const SockaddrIn, len: u32) -> i32;
    fn read(fd: i32, buf: *mut u8, count: usize) -> isize;
    fn write(fd: i32, buf: *const u8, count: usize) -> isize;
    fn close(fd: i32) -> i32;
    fn ppoll(fds: *mut PollFd, n: u64, timeout: *const Timespec, mask: *const u8) -> i32;
    fn __errno_location() -> *mut i32;
}

const AF_INET: i32 = 2;
const SOCK_STREAM: i32 = 1;
const SOCK_NONBLOCK: i32 = 0o4000;
const SOCK_CLOEXEC: i32 = 0o2000000;
const EINPROGRESS: i32 = 115;
const EAGAIN: i32 = 11;
const POLLIN: i16 = 1;
const POLLOUT: i16 = 4;
const POLLERR: i16 = 8;
const POLLHUP: i16 = 16;

fn errno() -> i32 {
    // SAFETY: the C library's thread-local errno.
    unsafe { *__errno_location() }
}

struct Options {
    addr: SockaddrIn,
    request: Vec<u8>,
    rate: f64,
    seconds: f64,
    warmup: f64,
    close_mode: bool,
    connections: usize,
    log: Option<String>,
}

fn usage(msg: &str) -> ! {
    eprintln!("error: {msg}");
    eprintln!(
        "Usage: mtcp_rate --host IP --port N [--path /] --rate R [--seconds 10] [--warmup 2] \
         [--mode keepalive|close] [--connections 50] [--log FILE]"
    );
    exit(2)
}

fn parse_options() -> Options {
    let args: Vec<String> = env::args().skip(1).collect();
    let (mut host, mut port, mut path) = (None, None, "/".to_string());
    let (mut rate, mut seconds, mut warmup) = (None, 10.0, 2.0);
    let (mut close_mode, mut connections, mut log) = (false, 50usize, None);
    let mut i = 0;
    while i < args.len() {
        let v = args
            .get(i + 1)
            .cloned()
            .unwrap_or_else(|| usage(&format!("{} needs a value", args[i])));
        let num = |s: &str| s.parse::<f64>().ok().filter(|x| *x > 0.0 && x.is_finite());
        match args[i].as_str() {
            "--host" => {
                host = Some(
                    v.parse::<Ipv4Addr>()
                        .unwrap_or_else(|_| usage("bad --host")),
                )
            }
            "--port" => port = Some(v.parse::<u16>().unwrap_or_else(|_| usage("bad --port"))),
            "--path" => path = v,
            "--log" => log = Some(v),
            "--rate" => rate = Some(num(&v).unwrap_or_else(|| usage("bad --rate"))),
            "--seconds" => seconds = num(&v).unwrap_or_else(|| usage("bad --seconds")),
            "--warmup" => {
                warmup = v
                    .parse::<f64>()
                    .ok()
                    .filter(|x| *x >= 0.0)
                    .unwrap_or_else(|| usage("bad --warmup"))
            }
            "--connections" => {
                connections = v
                    .parse::<usize>()
                    .ok()
                    .filter(|x| *x > 0)
                    .unwrap_or_else(|| usage("bad --connections"))
            }
            "--mode" => {
                close_mode = match v.as_str() {
                    "keepalive" => false,
                    "close" => true,
                    _ => usage("--mode is keepalive or close"),
                }
            }
            other => usage(&format!("unknown option {other}")),
        }
        i += 2;
    }
    let host = host.unwrap_or_else(|| usage("--host is required"));
    let port = port.unwrap_or_else(|| usage("--port is required"));
    let rate = rate.unwrap_or_else(|| usage("--rate is required"));
    let conn = if close_mode { "close" } else { "keep-alive" };
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: {conn}\r\n\r\n");
    Options {
        addr: SockaddrIn {
            family: AF_INET as u16,
            port: port.to_be(),
            addr: u32::from(host).to_be(),
            zero: [0; 8],
        },
        request: request.into_bytes(),
        rate,
        seconds,
        warmup,
        close_mode,
        connections,
        log,
    }
}

/// One connection and the request on it.
struct Conn {
    fd: i32,
    connected: bool,
    busy: bool,
    due: f64, // seconds after start
    buf: Vec<u8>,
    done: bool, // response complete (close mode: reading to the end)
}

/// Bytes of a complete response at the start of `buf`, with its status.
fn complete(buf: &[u8]) -> Option<(usize, u16)> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&buf[..end]).ok()?;
    let status = head.get(9..12)?.parse::<u16>().ok()?;
    let mut length = 0usize;
    for line in head.split("\r\n") {
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().ok()?;
            }
        }
    }
    (buf.len() >= end + length).then_some((end + length, status))
}

struct Run {
    o: Options,
    start: Instant,
    conns: Vec<Conn>,
    queue: VecDeque<f64>,
    latencies: Vec<u32>,
    timeline: Vec<(u32, u32, u16)>,
    completed: u64,
    failed: u64,
    next: u64,
}

impl Run {
    fn now(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    fn open(&mut self, due: f64) -> Option<usize> {
        // SAFETY: plain socket calls on a descriptor we own.
        let fd = unsafe { socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) };
        if fd < 0 {
            return None;
        }
        let r = unsafe { connect(fd, &self.o.addr, 16) };
        if r < 0 && errno() != EINPROGRESS {
            unsafe { close(fd) };
            return None;
        }
        let c = Conn {
            fd,
            connected: r == 0,
            busy: false,
            due,
            buf: Vec::with_capacity(512),
            done: false,
        };
        self.conns.push(c);
        Some(self.conns.len() - 1)
    }

    fn send(&mut self, i: usize) -> bool {
        let c = &mut self.conns[i];
        let req = &self.o.request;
        // SAFETY: writing our own buffer to our own descriptor.
        let n = unsafe { write(c.fd, req.as_ptr(), req.len()) };
        n == req.len() as isize
    }

    fn record(&mut self, due: f64, status: u16) {
        if due < self.o.warmup {
            return;
        }
        let us = ((self.now() - due) * 1e6).clamp(0.0, u32::MAX as f64) as u32;
        if self.o.log.is_some() {
            self.timeline.push(((due * 1e6) as u32, us, status));
        }
        if status == 200 {
            self.completed += 1;
            self.latencies.push(us);
        } else {
            self.failed += 1;
        }
    }

    /// Moves due requests into the queue, then onto idle connections.
    fn dispatch(&mut self) {
        let now = self.now();
        let total = (self.o.rate * self.o.seconds) as u64;
        while self.next < total && (self.next as f64) / self.o.rate <= now {
            self.queue.push_back(self.next as f64 / self.o.rate);
            self.next += 1;
        }
        if self.o.close_mode {
            while let Some(due) = self.queue.pop_front() {
                if self.open(due).is_none() {
                    self.record(due, 0);
                }
            }
            return;
        }
        for i in 0..self.conns.len() {
            if self.queue.is_empty() {
                break;
            }
            if self.conns[i].connected && !self.conns[i].busy {
                let due = self.queue.pop_front().unwrap();
                self.conns[i].busy = true;
                self.conns[i].due = due;
                if !self.send(i) {
                    self.conns[i].busy = false;
                    self.record(due, 0);
                }
            }
        }
    }

    /// Handles readiness of connection `i`; false when it is finished with.
    fn ready(&mut self, i: usize, revents: i16) -> bool {
        if !self.conns[i].connected {
            if revents & (POLLERR | POLLHUP) != 0 {
                let due = self.conns[i].due;
                self.record(due, 0);
                return false;
            }
            if revents & POLLOUT != 0 {
                self.conns[i].connected = true;
                if self.o.close_mode {
                    self.conns[i].busy = true;
                    if !self.send(i) {
                        let due = self.conns[i].due;
                        self.record(due, 0);
                        return false;
                    }
                }
            }
            return true;
        }
        if revents & (POLLIN | POLLERR | POLLHUP) == 0 {
            return true;
        }
        let mut chunk = [0u8; 16384];
        loop {
            let c = &mut self.conns[i];
            // SAFETY: reading into our own stack buffer.
            let n = unsafe { read(c.fd, chunk.as_mut_ptr(), chunk.len()) };
            if n < 0 && errno() == EAGAIN {
                return true;
            }
            if n <= 0 {
                // The end: fine after a whole response in close mode.
                let (unanswered, due) = (c.busy && !c.done, c.due);
                if unanswered {
                    self.record(due, 0);
                }
                return false;
            }
            if c.done {
                continue; // close mode: reading to the end
            }
            c.buf.extend_from_slice(&chunk[..n as usize]);
            if let Some((len, status)) = complete(&c.buf) {
                c.buf.drain(..len);
                let due = c.due;
                if self.o.close_mode {
                    c.done = true;
                } else {
                    c.busy = false;
                }
                self.record(due, status);
            }
        }
    }

    fn poll_once(&mut self, until: f64) {
        let mut fds: Vec<PollFd> = self
            .conns
            .iter()
            .map(|c| PollFd {
                fd: c.fd,
                events: if c.connected { POLLIN } else { POLLOUT },
                revents: 0,
            })
            .collect();
        let wait = (until - self.now()).clamp(0.0, 0.05);
        let ts = Timespec {
            sec: 0,
            nsec: (wait * 1e9) as i64,
        };
        // SAFETY: fds is ours and outlives the call.
        let n = unsafe { ppoll(fds.as_mut_ptr(), fds.len() as u64, &ts, std::ptr::null()) };
        if n <= 0 {
            return;
        }
        let mut gone = Vec::new();
        for (i, p) in fds.iter().enumerate() {
            if p.revents != 0 && !self.ready(i, p.revents) {
                gone.push(i);
            }
        }
        for &i in gone.iter().rev() {
            let c = self.conns.swap_remove(i);
            // SAFETY: our own descriptor, closed once.
            unsafe { close(c.fd) };
        }
    }
}

fn main() {
    let o = parse_options();
    let mut run = Run {
        start: Instant::now(),
        conns: Vec::new(),
        queue: VecDeque::new(),
        latencies: Vec::new(),
        timeline: Vec::new(),
        completed: 0,
        failed: 0,
        next: 0,
        o,
    };
    if !run.o.close_mode {
        for _ in 0..run.o.connections {
            if run.open(0.0).is_none() {
                eprintln!("error: cannot connect");
                exit(1);
            }
        }
        let t = Instant::now() + Duration::from_secs(5);
        while run.conns.iter().any(|c| !c.connected) && Instant::now() < t {
            run.poll_once(0.05);
        }
        if run.conns.iter().any(|c| !c.connected) {
            eprintln!("error: connections not established within 5 s");
            exit(1);
        }
        run.start = Instant::now();
    }
    let total = (run.o.rate * run.o.seconds) as u64;
    while run.next < total {
        run.dispatch();
        let next_due = run.next as f64 / run.o.rate;
        run.poll_once(next_due);
    }
    // Drain: up to 2 s for what is still out.
    let end = run.o.seconds + 2.0;
    loop {
        run.dispatch();
        let out = !run.queue.is_empty() || run.conns.iter().any(|c| c.busy && !c.done);
        if !out || run.now() > end {
            break;
        }
        run.poll_once(end);
    }
    let unfinished = run.queue.len() as u64
        + run
            .conns
            .iter()
            .filter(|c| (c.busy && !c.done) || !c.connected)
            .count() as u64;
    if let Some(path) = &run.o.log {
        let mut text = String::with_capacity(run.timeline.len() * 20);
        for (due, us, status) in &run.timeline {
            text.push_str(&format!("{due} {us} {status}\n"));
        }
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("error: cannot write {path}: {e}");
            exit(1);
        }
    }
    let counted_from = run.o.warmup;
    let elapsed = run.o.seconds - counted_from;
    let mut l = std::mem::take(&mut run.latencies);
    l.sort_unstable();
    let q = |p: f64| {
        if l.is_empty() {
            0
        } else {
            l[((p * l.len() as f64) as usize).min(l.len() - 1)]
        }
    };
    println!(
        "{{\"offered\":{},\"achieved\":{:.1},\"completed\":{},\"failed\":{},\"unfinished\":{},\"p50_us\":{},\"p90_us\":{},\"p99_us\":{},\"p999_us\":{},\"max_us\":{}}}",
        run.o.rate,
        run.completed as f64 / elapsed,
        run.completed,
        run.failed,
        unfinished,
        q(0.5),
        q(0.9),
        q(0.99),
        q(0.999),
        l.last().copied().unwrap_or(0)
    );
}
