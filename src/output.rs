//! Writing results: to stdout, or atomically to a file so that a failed run never leaves a
//! half-written output behind.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

/// Writes `content` to `out` (atomically, via a temporary file in the same directory and a
/// rename), or to stdout when `out` is `None`.
pub fn emit(out: Option<&Path>, content: &[u8]) -> Result<()> {
    match out {
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(content)?;
            stdout.flush()?;
            Ok(())
        }
        Some(path) => write_atomic(path, content),
    }
}

pub fn write_atomic(path: &Path, content: &[u8]) -> Result<()> {
    let mut tmp = temp_beside(path)?;
    tmp.write_all(content)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// The folder a path is in (`.` for a bare file name).
pub fn parent_dir(path: &Path) -> std::path::PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    }
}

/// A temporary file in `path`'s folder (created if missing), to be written in full and then
/// persisted as `path`: readers never see a half-written output.
pub fn temp_beside(path: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = parent_dir(path);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    // A temporary file is private (0600) by default; the result is an ordinary output file.
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    builder
        .tempfile_in(&dir)
        .with_context(|| format!("cannot write in {}", dir.display()))
}
