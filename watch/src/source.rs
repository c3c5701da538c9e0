//! Where events come from: a stream read to its end (standard input, any reader), a file
//! followed as it grows (`tail -F`: truncation and rotation included), or a Unix domain socket
//! that many writers connect to. Lines are split in a fixed buffer; a line longer than the
//! limit is counted as malformed and skipped to its end, so memory stays bounded whatever
//! arrives. Alerts are flushed whenever the input pauses.

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::engine::Engine;

/// Where to read events.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Stdin,
    /// Follow this file from its start.
    Follow(PathBuf),
    /// Listen on this Unix domain socket.
    Socket(PathBuf),
}

/// How to read.
#[derive(Debug, Clone)]
pub struct SourceConfig {
    /// Stop after this long without new data (standard input ends at its end anyway).
    pub until_idle: Option<Duration>,
    /// How often a followed file is checked for new data.
    pub poll: Duration,
    /// Set (by a signal handler, say) to stop reading.
    pub stop: Arc<AtomicBool>,
    pub max_line_bytes: usize,
    /// Socket connections served at once; more are refused (and counted).
    pub max_connections: usize,
}

impl Default for SourceConfig {
    fn default() -> SourceConfig {
        SourceConfig {
            until_idle: None,
            poll: Duration::from_millis(20),
            stop: Arc::new(AtomicBool::new(false)),
            max_line_bytes: 1 << 20,
            max_connections: 64,
        }
    }
}

/// Why reading stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StopReason {
    EndOfInput,
    Idle,
    Signal,
}

/// What the source did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceStats {
    pub bytes: u64,
    /// A followed file that shrank and was read again from its start.
    pub truncations: u64,
    /// A followed file replaced by a new one (rotation) and reopened.
    pub reopens: u64,
    pub connections: u64,
    pub refused_connections: u64,
    pub stopped_by: StopReason,
}

impl SourceStats {
    fn new() -> SourceStats {
        SourceStats {
            bytes: 0,
            truncations: 0,
            reopens: 0,
            connections: 0,
            refused_connections: 0,
            stopped_by: StopReason::EndOfInput,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{path}: {source}")]
    Open { path: PathBuf, source: io::Error },
    #[error("{path}: the socket is in use by another process")]
    SocketInUse { path: PathBuf },
    #[error("{path}: exists and is not a socket")]
    NotASocket { path: PathBuf },
    #[error("reading input: {0}")]
    Read(io::Error),
    #[error("writing alerts: {0}")]
    Write(io::Error),
}

/// Splits a byte stream into lines in a fixed buffer.
pub struct Lines {
    buf: Vec<u8>,
    start: usize,
    end: usize,
    max_line: usize,
    /// Inside a line that was too long: skip to its end.
    discarding: bool,
}

impl Lines {
    pub fn new(max_line: usize) -> Lines {
        let max_line = max_line.max(64);
        Lines {
            buf: vec![0; (1 << 20).max(max_line) + max_line],
            start: 0,
            end: 0,
            max_line,
            discarding: false,
        }
    }

    /// One read into the buffer; 0 at the end of the input.
    pub fn read_from(&mut self, r: &mut dyn Read) -> io::Result<usize> {
        if self.start > 0 && self.buf.len() - self.end < self.max_line {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        loop {
            match r.read(&mut self.buf[self.end..]) {
                Ok(n) => {
                    self.end += n;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Evaluates every complete line in the buffer.
    pub fn drain(&mut self, engine: &mut Engine, out: &mut dyn Write) -> io::Result<()> {
        while let Some(nl) = memchr::memchr(b'\n', &self.buf[self.start..self.end]) {
            let line_end = self.start + nl;
            if self.discarding {
                self.discarding = false;
            } else if line_end - self.start > self.max_line {
                // The same limit whether or not the whole line came in one read.
                engine.dropped_line(&self.buf[self.start..line_end], self.too_long());
            } else {
                let mut line = &self.buf[self.start..line_end];
                if let [rest @ .., b'\r'] = line {
                    line = rest;
                }
                engine.process_line(line, out)?;
            }
            self.start = line_end + 1;
        }
        let pending = self.end - self.start;
        if self.discarding {
            self.start = self.end;
        } else if pending > self.max_line {
            engine.dropped_line(&self.buf[self.start..self.end], self.too_long());
            self.discarding = true;
            self.start = self.end;
        }
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        Ok(())
    }

    fn too_long(&self) -> String {
        format!("line longer than {} bytes, skipped", self.max_line)
    }

    /// At the end of the input: the last line, if it had no line break.
    pub fn finish(&mut self, engine: &mut Engine, out: &mut dyn Write) -> io::Result<()> {
        if self.start < self.end && !self.discarding {
            let line = &self.buf[self.start..self.end];
            if line.len() > self.max_line {
                engine.dropped_line(line, self.too_long());
            } else {
                engine.process_line(line, out)?;
            }
        }
        self.clear();
        Ok(())
    }

    /// Forgets a partial line (the file it came from was truncated).
    pub fn clear(&mut self) {
        self.start = 0;
        self.end = 0;
        self.discarding = false;
    }
}

/// Whether `fd` has data (or an end) within `timeout`.
fn readable(fd: i32, timeout: Duration) -> io::Result<bool> {
    let mut p = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = timeout.as_millis().min(i32::MAX as u128) as i32;
    // SAFETY: one valid pollfd, its count, and a timeout.
    let r = unsafe { libc::poll(&mut p, 1, ms) };
    if r < 0 {
        let e = io::Error::last_os_error();
        if e.kind() == io::ErrorKind::Interrupted {
            return Ok(false);
        }
        return Err(e);
    }
    Ok(r > 0)
}

struct Idle {
    since: Instant,
    limit: Option<Duration>,
}

impl Idle {
    fn new(limit: Option<Duration>) -> Idle {
        Idle {
            since: Instant::now(),
            limit,
        }
    }
    fn reset(&mut self) {
        self.since = Instant::now();
    }
    fn expired(&self) -> bool {
        self.limit.is_some_and(|l| self.since.elapsed() >= l)
    }
    /// How long to wait for data before looking at the clock and the stop flag again.
    fn wait(&self, poll: Duration) -> Duration {
        match self.limit {
            Some(l) => poll.min(l.saturating_sub(self.since.elapsed())),
            None => poll,
        }
    }
}

/// Reads events from `input` into `engine` until the input ends, goes idle, or `stop` is set.
pub fn run(
    engine: &mut Engine,
    input: &Input,
    config: &SourceConfig,
    out: &mut dyn Write,
) -> Result<SourceStats, SourceError> {
    match input {
        Input::Stdin => {
            let stdin = io::stdin();
            let fd = stdin.as_raw_fd();
            let mut lock = stdin.lock();
            run_fd(engine, &mut lock, fd, config, out)
        }
        Input::Follow(path) => follow(engine, path, config, out),
        Input::Socket(path) => socket(engine, path, config, out),
    }
}

/// Reads any stream to its end (no idle limit, no stop flag): for tests and pipes.
pub fn run_reader(
    engine: &mut Engine,
    r: &mut dyn Read,
    config: &SourceConfig,
    out: &mut dyn Write,
) -> Result<SourceStats, SourceError> {
    let mut lines = Lines::new(config.max_line_bytes);
    let mut stats = SourceStats::new();
    loop {
        let n = lines.read_from(r).map_err(SourceError::Read)?;
        if n == 0 {
            break;
        }
        stats.bytes += n as u64;
        lines.drain(engine, out).map_err(SourceError::Write)?;
    }
    lines.finish(engine, out).map_err(SourceError::Write)?;
    out.flush().map_err(SourceError::Write)?;
    Ok(stats)
}

fn run_fd(
    engine: &mut Engine,
    r: &mut dyn Read,
    fd: i32,
    config: &SourceConfig,
    out: &mut dyn Write,
) -> Result<SourceStats, SourceError> {
    let mut lines = Lines::new(config.max_line_bytes);
    let mut stats = SourceStats::new();
    let mut idle = Idle::new(config.until_idle);
    loop {
        if config.stop.load(Ordering::Relaxed) {
            stats.stopped_by = StopReason::Signal;
            break;
        }
        if !readable(fd, Duration::ZERO).map_err(SourceError::Read)? {
            // Caught up: make the alerts so far visible before waiting.
            out.flush().map_err(SourceError::Write)?;
            if idle.expired() {
                stats.stopped_by = StopReason::Idle;
                break;
            }
            if !readable(fd, idle.wait(config.poll)).map_err(SourceError::Read)? {
                continue;
            }
        }
        let n = lines.read_from(r).map_err(SourceError::Read)?;
        if n == 0 {
            break;
        }
        idle.reset();
        stats.bytes += n as u64;
        lines.drain(engine, out).map_err(SourceError::Write)?;
    }
    lines.finish(engine, out).map_err(SourceError::Write)?;
    out.flush().map_err(SourceError::Write)?;
    Ok(stats)
}

fn open(path: &Path) -> Result<std::fs::File, SourceError> {
    std::fs::File::open(path).map_err(|source| SourceError::Open {
        path: path.to_path_buf(),
        source,
    })
}

fn follow(
    engine: &mut Engine,
    path: &Path,
    config: &SourceConfig,
    out: &mut dyn Write,
) -> Result<SourceStats, SourceError> {
    let mut file = open(path)?;
    let mut ino = file.metadata().map_err(SourceError::Read)?.ino();
    let mut pos: u64 = 0;
    let mut lines = Lines::new(config.max_line_bytes);
    let mut stats = SourceStats::new();
    let mut idle = Idle::new(config.until_idle);
    loop {
        if config.stop.load(Ordering::Relaxed) {
            stats.stopped_by = StopReason::Signal;
            break;
        }
        let n = lines.read_from(&mut file).map_err(SourceError::Read)?;
        if n > 0 {
            idle.reset();
            pos += n as u64;
            stats.bytes += n as u64;
            lines.drain(engine, out).map_err(SourceError::Write)?;
            continue;
        }
        // At the end of the file for now.
        out.flush().map_err(SourceError::Write)?;
        match std::fs::metadata(path) {
            Ok(m) if m.ino() != ino => {
                // Rotated: the old file is read to its end; go on with the new one.
                lines.finish(engine, out).map_err(SourceError::Write)?;
                file = open(path)?;
                ino = m.ino();
                pos = 0;
                stats.reopens += 1;
                continue;
            }
            Ok(m) if m.len() < pos => {
                // Truncated in place: start again from its beginning.
                lines.clear();
                file.seek(SeekFrom::Start(0)).map_err(SourceError::Read)?;
                pos = 0;
                stats.truncations += 1;
                continue;
            }
            _ => {}
        }
        if idle.expired() {
            stats.stopped_by = StopReason::Idle;
            break;
        }
        std::thread::sleep(idle.wait(config.poll));
    }
    lines.finish(engine, out).map_err(SourceError::Write)?;
    out.flush().map_err(SourceError::Write)?;
    Ok(stats)
}

/// Binds `path`, replacing a stale socket left by a process that is gone.
fn bind(path: &Path) -> Result<UnixListener, SourceError> {
    use std::os::unix::fs::FileTypeExt;
    if let Ok(m) = std::fs::symlink_metadata(path) {
        if !m.file_type().is_socket() {
            return Err(SourceError::NotASocket {
                path: path.to_path_buf(),
            });
        }
        if UnixStream::connect(path).is_ok() {
            return Err(SourceError::SocketInUse {
                path: path.to_path_buf(),
            });
        }
        let _ = std::fs::remove_file(path);
    }
    UnixListener::bind(path).map_err(|source| SourceError::Open {
        path: path.to_path_buf(),
        source,
    })
}

struct Conn {
    stream: UnixStream,
    lines: Lines,
}

fn socket(
    engine: &mut Engine,
    path: &Path,
    config: &SourceConfig,
    out: &mut dyn Write,
) -> Result<SourceStats, SourceError> {
    let listener = bind(path)?;
    listener.set_nonblocking(true).map_err(SourceError::Read)?;
    let mut conns: Vec<Conn> = Vec::new();
    let mut stats = SourceStats::new();
    let mut idle = Idle::new(config.until_idle);
    let result = (|| {
        loop {
            if config.stop.load(Ordering::Relaxed) {
                stats.stopped_by = StopReason::Signal;
                return Ok(());
            }
            let mut fds: Vec<libc::pollfd> = Vec::with_capacity(conns.len() + 1);
            fds.push(libc::pollfd {
                fd: listener.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            });
            for c in &conns {
                fds.push(libc::pollfd {
                    fd: c.stream.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                });
            }
            out.flush().map_err(SourceError::Write)?;
            let ms = idle.wait(config.poll).as_millis().min(i32::MAX as u128) as i32;
            // SAFETY: `fds` is a valid array of its length.
            let r = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
            if r < 0 {
                let e = io::Error::last_os_error();
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(SourceError::Read(e));
                }
                continue;
            }
            if r == 0 {
                if idle.expired() {
                    stats.stopped_by = StopReason::Idle;
                    return Ok(());
                }
                continue;
            }
            idle.reset();
            if fds[0].revents != 0 {
                loop {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            if conns.len() >= config.max_connections {
                                stats.refused_connections += 1;
                                drop(stream);
                                continue;
                            }
                            stream.set_nonblocking(true).map_err(SourceError::Read)?;
                            stats.connections += 1;
                            conns.push(Conn {
                                stream,
                                lines: Lines::new(config.max_line_bytes),
                            });
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(SourceError::Read(e)),
                    }
                }
            }
            // Connections polled this round are the first `fds.len() - 1`; accepted ones
            // wait for the next round.
            let mut closed = Vec::new();
            for (i, pfd) in fds.iter().enumerate().skip(1) {
                if pfd.revents == 0 {
                    continue;
                }
                let c = &mut conns[i - 1];
                loop {
                    match c.lines.read_from(&mut c.stream) {
                        Ok(0) => {
                            c.lines.finish(engine, out).map_err(SourceError::Write)?;
                            closed.push(i - 1);
                            break;
                        }
                        Ok(n) => {
                            stats.bytes += n as u64;
                            c.lines.drain(engine, out).map_err(SourceError::Write)?;
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(_) => {
                            // A writer that vanished mid-line: keep what it sent whole.
                            c.lines.finish(engine, out).map_err(SourceError::Write)?;
                            closed.push(i - 1);
                            break;
                        }
                    }
                }
            }
            // Keep the others in the order they connected, so that they are served in turn.
            let mut i = 0;
            conns.retain(|_| {
                let keep = !closed.contains(&i);
                i += 1;
                keep
            });
        }
    })();
    for c in &mut conns {
        c.lines.finish(engine, out).map_err(SourceError::Write)?;
    }
    out.flush().map_err(SourceError::Write)?;
    let _ = std::fs::remove_file(path);
    result.map(|()| stats)
}

/// A flag that SIGINT and SIGTERM set (for [`SourceConfig::stop`]).
pub fn stop_on_signals() -> io::Result<Arc<AtomicBool>> {
    let flag = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGINT, Arc::clone(&flag))?;
    signal_hook::flag::register(signal_hook::consts::SIGTERM, Arc::clone(&flag))?;
    Ok(flag)
}
