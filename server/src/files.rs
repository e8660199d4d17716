//! Files only the server's own user may read: the SQLite database (every message and password
//! hash) and the signing secret.
//!
//! Modes are set on each file as it is created, not through the process's umask: the server is
//! also embedded (the tests run many in one process), and a umask is process-wide state that
//! would change the modes of every other file the embedding process creates.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::Path;

/// Read and write for the owner only.
#[cfg(unix)]
const PRIVATE_FILE: u32 = 0o600;

/// Creates `path` with mode 0600; fails with `AlreadyExists` if it exists (a symlink planted
/// there is not followed).
pub fn create_private(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(PRIVATE_FILE);
    }
    options.open(path)
}

/// The mode of `path` when its group or others may use it (`None` when only its owner may, or
/// off Unix, where there are no such bits).
pub fn shared_mode(metadata: &fs::Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        None
    }
}

/// Takes group's and others' access away from `path`, if it exists and they have any; returns
/// the mode it had.
pub fn make_private(path: &Path) -> io::Result<Option<u32>> {
    let metadata = match fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err),
    };
    let Some(mode) = shared_mode(&metadata) else {
        return Ok(None);
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(PRIVATE_FILE))?;
    }
    Ok(Some(mode))
}

/// Whether this process may create files in `dir` (read-only mounts included).
pub fn is_writable_dir(dir: &Path) -> bool {
    #[cfg(unix)]
    let wanted = rustix::fs::Access::WRITE_OK | rustix::fs::Access::EXEC_OK;
    #[cfg(not(unix))]
    let wanted = ();
    may(dir, wanted)
}

/// Whether this process may read and write `file`.
pub fn is_writable_file(file: &Path) -> bool {
    #[cfg(unix)]
    let wanted = rustix::fs::Access::READ_OK | rustix::fs::Access::WRITE_OK;
    #[cfg(not(unix))]
    let wanted = ();
    may(file, wanted)
}

#[cfg(unix)]
fn may(path: &Path, wanted: rustix::fs::Access) -> bool {
    rustix::fs::access(path, wanted).is_ok()
}

#[cfg(not(unix))]
fn may(path: &Path, (): ()) -> bool {
    fs::metadata(path).is_ok_and(|m| !m.permissions().readonly())
}
