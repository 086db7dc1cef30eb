//! The launcher of the single-file CLI that `deno task compile` writes.
//!
//! The executable is this program followed by a payload and a trailer: the
//! `deno` binary, the CLI's TypeScript sources and the shim library, as a list
//! of entries. On start it finds the payload in its own file
//! (`/proc/self/exe`), extracts it once into a per-user cache directory named
//! by the payload's hash, and replaces itself (`execve`) with
//! `deno run --allow-all --no-config --no-lock <cache>/cli.ts ARGS...`, with
//! `MTCP_SHIM_PATH` pointing at the extracted shim and `DENO_DIR` inside the
//! cache unless the caller set them.
//!
//! Layout, all integers little-endian:
//!
//! ```text
//! launcher ELF | entry* | trailer
//! entry   = u32 path length | path (UTF-8, relative) | u32 mode | u64 size | bytes
//! trailer = u64 payload offset | u64 payload length | u64 FNV-1a hash | b"MTCPBIN1"
//! ```
//!
//! The cache is `$MTCP_BIN_CACHE`, else `$XDG_CACHE_HOME/mtcp-deno`, else
//! `$HOME/.cache/mtcp-deno`, else `/tmp/mtcp-deno-UID`; inside it, `bin-HASH/`.
//! Extraction goes to a temporary sibling first and is renamed into place, so
//! two launches at once never see half a tree.

use std::env;
use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Component, Path, PathBuf};
use std::process::{exit, Command};

extern "C" {
    fn getuid() -> u32;
}

const MAGIC: &[u8; 8] = b"MTCPBIN1";
const TRAILER: u64 = 32;

struct Trailer {
    offset: u64,
    length: u64,
    hash: u64,
}

fn fail(message: &str) -> ! {
    eprintln!("mtcp: {message}");
    exit(1);
}

fn read_trailer(file: &mut File) -> io::Result<Option<Trailer>> {
    let size = file.metadata()?.len();
    if size < TRAILER {
        return Ok(None);
    }
    file.seek(SeekFrom::Start(size - TRAILER))?;
    let mut t = [0u8; TRAILER as usize];
    file.read_exact(&mut t)?;
    if &t[24..32] != MAGIC {
        return Ok(None);
    }
    let word = |i: usize| u64::from_le_bytes(t[i..i + 8].try_into().unwrap());
    let trailer = Trailer {
        offset: word(0),
        length: word(8),
        hash: word(16),
    };
    if trailer.offset.checked_add(trailer.length) != Some(size - TRAILER) {
        return Ok(None);
    }
    Ok(Some(trailer))
}

fn cache_root() -> PathBuf {
    let nonempty = |k: &str| env::var_os(k).filter(|v| !v.is_empty());
    if let Some(dir) = nonempty("MTCP_BIN_CACHE") {
        return PathBuf::from(dir);
    }
    if let Some(xdg) = nonempty("XDG_CACHE_HOME") {
        return PathBuf::from(xdg).join("mtcp-deno");
    }
    if let Some(home) = nonempty("HOME") {
        return PathBuf::from(home).join(".cache").join("mtcp-deno");
    }
    // SAFETY: getuid takes no arguments and cannot fail.
    let uid = unsafe { getuid() };
    PathBuf::from(format!("/tmp/mtcp-deno-{uid}"))
}

/// FNV-1a, 64 bits, fed incrementally.
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn update(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= b as u64;
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

fn read_u32(r: &mut impl Read, fnv: &mut Fnv) -> io::Result<u32> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    fnv.update(&b);
    Ok(u32::from_le_bytes(b))
}

fn read_u64(r: &mut impl Read, fnv: &mut Fnv) -> io::Result<u64> {
    let mut b = [0u8; 8];
    r.read_exact(&mut b)?;
    fnv.update(&b);
    Ok(u64::from_le_bytes(b))
}

fn bad(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_string())
}

/// Extracts every entry under `into`, checking the hash at the end.
fn extract(file: &mut File, trailer: &Trailer, into: &Path) -> io::Result<()> {
    file.seek(SeekFrom::Start(trailer.offset))?;
    let mut r = BufReader::with_capacity(1 << 20, file.take(trailer.length));
    let mut fnv = Fnv::new();
    let mut left = trailer.length;
    let mut buf = vec![0u8; 1 << 20];
    while left > 0 {
        let path_len = read_u32(&mut r, &mut fnv)? as usize;
        if path_len == 0 || path_len > 4096 {
            return Err(bad("bad entry path length"));
        }
        let mut raw = vec![0u8; path_len];
        r.read_exact(&mut raw)?;
        fnv.update(&raw);
        let name = String::from_utf8(raw).map_err(|_| bad("entry path is not UTF-8"))?;
        let rel = Path::new(&name);
        if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
            return Err(bad("entry path leaves the directory"));
        }
        let mode = read_u32(&mut r, &mut fnv)?;
        let size = read_u64(&mut r, &mut fnv)?;
        let target = into.join(rel);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)?;
        }
        let mut out = File::create(&target)?;
        let mut remaining = size;
        while remaining > 0 {
            let n = remaining.min(buf.len() as u64) as usize;
            r.read_exact(&mut buf[..n])?;
            fnv.update(&buf[..n]);
            out.write_all(&buf[..n])?;
            remaining -= n as u64;
        }
        out.set_permissions(fs::Permissions::from_mode(mode & 0o777))?;
        let used = 4 + path_len as u64 + 4 + 8 + size;
        left = left
            .checked_sub(used)
            .ok_or_else(|| bad("entry runs past the payload"))?;
    }
    if fnv.0 != trailer.hash {
        return Err(bad("payload hash mismatch (the file is damaged)"));
    }
    Ok(())
}

fn main() {
    let exe = env::current_exe().unwrap_or_else(|e| fail(&format!("cannot find own file: {e}")));
    let mut file = File::open("/proc/self/exe")
        .or_else(|_| File::open(&exe))
        .unwrap_or_else(|e| fail(&format!("cannot open {}: {e}", exe.display())));
    let trailer = match read_trailer(&mut file) {
        Ok(Some(t)) => t,
        Ok(None) => {
            fail("this launcher carries no payload; build the CLI with `deno task compile`")
        }
        Err(e) => fail(&format!("cannot read {}: {e}", exe.display())),
    };
    let root = cache_root();
    let dir = root.join(format!("bin-{:016x}", trailer.hash));
    if !dir.join(".complete").exists() {
        fs::create_dir_all(&root)
            .unwrap_or_else(|e| fail(&format!("cannot create {}: {e}", root.display())));
        let tmp = root.join(format!(".bin-{:016x}.{}", trailer.hash, std::process::id()));
        let _ = fs::remove_dir_all(&tmp);
        if let Err(e) = extract(&mut file, &trailer, &tmp)
            .and_then(|_| File::create(tmp.join(".complete")).map(|_| ()))
        {
            let _ = fs::remove_dir_all(&tmp);
            fail(&format!("cannot unpack into {}: {e}", root.display()));
        }
        if fs::rename(&tmp, &dir).is_err() {
            // Another launch got there first; its tree is complete.
            let _ = fs::remove_dir_all(&tmp);
            if !dir.join(".complete").exists() {
                fail(&format!(
                    "cannot move the unpacked tree to {}",
                    dir.display()
                ));
            }
        }
    }
    let mut cmd = Command::new(dir.join("deno"));
    cmd.arg("run")
        .arg("--allow-all")
        .arg("--no-config")
        .arg("--no-lock")
        .arg(dir.join("cli.ts"))
        .args(env::args_os().skip(1));
    if env::var_os("MTCP_SHIM_PATH").is_none() {
        cmd.env("MTCP_SHIM_PATH", dir.join("libmtcp_shim.so"));
    }
    if env::var_os("DENO_DIR").is_none() {
        cmd.env("DENO_DIR", dir.join("deno_dir"));
    }
    cmd.env("DENO_NO_UPDATE_CHECK", "1");
    let name: OsString = exe
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "mtcp".into());
    cmd.env("MTCP_ARGV0", name);
    let e = cmd.exec();
    fail(&format!("cannot run {}: {e}", dir.join("deno").display()));
}
