//! A small tmpfs to put a database on, then fill up or make read-only (the durability and
//! readiness tests). Mounting needs root: as root directly, else through `sudo -n`.

use std::fs::File;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::in_ci;

/// A mounted tmpfs; unmounted when dropped, panicking or not (lazily if something still has
/// it open, so a failed test never leaves a mount behind).
pub struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    /// Mounts a tmpfs of `size` (`2m`) on the existing directory `dir`.
    pub fn mount(dir: &Path, size: &str) -> Result<Tmpfs, String> {
        let options = format!("size={size}");
        let dir_arg = dir.to_string_lossy();
        mount(&["-t", "tmpfs", "-o", &options, "tmpfs", &dir_arg])?;
        Ok(Tmpfs {
            dir: dir.to_path_buf(),
        })
    }

    /// [`Tmpfs::mount`], or `None` after saying why the test is skipped; under `CI=true` a
    /// mount that fails fails the test.
    pub fn mount_or_skip(dir: &Path, size: &str, test: &str) -> Option<Tmpfs> {
        match Tmpfs::mount(dir, size) {
            Ok(tmpfs) => Some(tmpfs),
            Err(why) if in_ci() => panic!("CI=true and {test} cannot mount its tmpfs: {why}"),
            Err(why) => {
                println!(
                    "SKIPPED {test}: cannot mount a tmpfs ({why}); it needs root (CI=true makes this a failure)"
                );
                None
            }
        }
    }

    /// `mount -o remount,<mode>`: `ro` or `rw`.
    pub fn remount(&self, mode: &str) -> Result<(), String> {
        let options = format!("remount,{mode}");
        mount(&["-o", &options, &self.dir.to_string_lossy()])
    }

    /// Fills the file system up with the file `name`; returns its path and size.
    pub fn fill(&self, name: &str) -> (PathBuf, u64) {
        let path = self.dir.join(name);
        let mut file = File::create(&path).expect("the filler file");
        let mut written = 0;
        // Big writes to get there, then smaller ones down to the last byte the fs will take.
        for chunk in [64 * 1024, 4096, 512, 1] {
            let bytes = vec![0u8; chunk];
            loop {
                match file.write(&bytes) {
                    Ok(0) => break,
                    Ok(n) => written += n as u64,
                    Err(err) if err.kind() == ErrorKind::StorageFull => break,
                    Err(err) => panic!("filling {}: {err}", path.display()),
                }
            }
        }
        (path, written)
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let dir = self.dir.to_string_lossy().into_owned();
        if privileged("umount")
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success())
        {
            return;
        }
        let lazy = privileged("umount").args(["-l", &dir]).status();
        if !lazy.is_ok_and(|s| s.success()) {
            eprintln!("could not unmount the tmpfs on {dir}");
        }
    }
}

fn mount(args: &[&str]) -> Result<(), String> {
    let output = privileged("mount")
        .args(args)
        .output()
        .map_err(|err| format!("mount(8) does not run: {err}"))?;
    if output.status.success() {
        Ok(())
    } else {
        // mount(8)'s first line says why; the rest points at dmesg.
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(format!(
            "mount {}: {}",
            args.join(" "),
            stderr.lines().next().unwrap_or_default().trim()
        ))
    }
}

/// `program` as root: directly when the tests run as root (CI here does), else through
/// `sudo -n`, which fails at once instead of asking for a password.
fn privileged(program: &str) -> Command {
    let root = std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find_map(|line| line.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1))
            == Some("0")
    });
    if root {
        Command::new(program)
    } else {
        let mut sudo = Command::new("sudo");
        sudo.args(["-n", program]);
        sudo
    }
}
