//! A disk that can lose power: a FUSE file system in memory that keeps, for every file, what
//! it held at its last `fsync`/`fdatasync` beside what it holds now, and for every directory
//! the entries it had at its last `fsync` beside the entries it has now, the way LazyFS does.
//! [`Disk::cut_power`] then throws away what was never synced: each file goes back to its
//! synced content (or, in a torn cut, that content plus a random prefix of the writes made
//! since, the last of them torn at a 512-byte sector), and each directory to its synced
//! entries (plus, in a torn cut, a random prefix of the changes made since, in order), so a
//! file created or renamed without an fsync of its directory may vanish.
//!
//! The model is the strict one POSIX allows and ext4 or XFS can show after a power cut: a
//! file's fsync makes its content durable but not its name; a directory's fsync makes its
//! entries durable but not the content of the files they name. `sync_file_range` never
//! reaches the file system (FUSE without a write-back cache has no dirty pages for it to
//! write), so, as on a real disk, it makes nothing durable. Files are opened in direct I/O
//! mode, so the kernel keeps no page cache of its own that could outlive a cut.
//!
//! Only what the store needs is there: regular files and directories; no links, no extended
//! attributes, no `fallocate`; a rename across directories is refused (`EXDEV`) rather than
//! modelled, and sled never does one. Locks (`flock`) are the kernel's own, as FUSE does when
//! the file system does not claim them.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use fuser::{
    Errno, FileAttr, FileHandle, FileType, Filesystem, FopenFlags, Generation, INodeNo, LockOwner, OpenFlags,
    RenameFlags, ReplyAttr, ReplyCreate, ReplyData, ReplyDirectory, ReplyEmpty, ReplyEntry, ReplyOpen, ReplyStatfs,
    ReplyWrite, Request, TimeOrNow, WriteFlags,
};

/// Attributes and entries are never cached by the kernel: the file system's answer changes
/// at a cut, and the kernel must ask again.
const TTL: Duration = Duration::ZERO;
/// The sector size a torn write is cut at.
pub const SECTOR_BYTES: u64 = 512;
const ROOT: u64 = 1;

/// What can make a mount fail before any test work: said plainly, so that the test fails
/// with it rather than passing without having run.
pub fn fuse_is_usable() -> Result<(), String> {
    if !Path::new("/dev/fuse").exists() {
        return Err("/dev/fuse does not exist: the kernel has no FUSE (modprobe fuse), or the container does not \
                    pass the device in"
            .to_owned());
    }
    match Command::new("fusermount3").arg("--version").output() {
        Ok(output) if output.status.success() => Ok(()),
        Ok(output) => Err(format!("fusermount3 --version failed: {}", String::from_utf8_lossy(&output.stderr))),
        Err(error) => Err(format!("fusermount3 cannot run ({error}): install Debian's package fuse3")),
    }
}

#[derive(Clone, Debug)]
enum FileOp {
    Write { offset: u64, data: Vec<u8> },
    SetLen(u64),
}

#[derive(Clone, Debug)]
enum DirOp {
    /// A name now refers to a node (create, mkdir, the target of a rename).
    Link(OsString, u64),
    /// A name is gone (unlink, rmdir).
    Unlink(OsString),
    /// A rename within the directory: one journalled change, whole or absent.
    Rename { from: OsString, to: OsString, ino: u64 },
}

#[derive(Clone, Debug, Default)]
struct FileBody {
    current: Vec<u8>,
    durable: Vec<u8>,
    pending: Vec<FileOp>,
}

#[derive(Clone, Debug, Default)]
struct DirBody {
    current: BTreeMap<OsString, u64>,
    durable: BTreeMap<OsString, u64>,
    pending: Vec<DirOp>,
    parent: u64,
}

#[derive(Clone, Debug)]
enum Body {
    File(FileBody),
    Dir(DirBody),
}

#[derive(Clone, Debug)]
struct Node {
    body: Body,
    perm: u16,
}

#[derive(Debug, Default)]
struct State {
    nodes: HashMap<u64, Node>,
    next_ino: u64,
    fsyncs: u64,
    dir_fsyncs: u64,
}

/// What one cut threw away.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CutReport {
    /// Files that had writes not yet synced.
    pub files_with_unsynced_writes: u64,
    /// Bytes written and not synced, all of them dropped in a clean cut.
    pub unsynced_bytes: u64,
    /// Bytes of those that a torn cut kept.
    pub kept_unsynced_bytes: u64,
    /// Directory changes (creations, removals, renames) not yet synced.
    pub unsynced_dir_changes: u64,
    /// Of those, how many a torn cut kept.
    pub kept_dir_changes: u64,
    /// File fsyncs served since the previous cut.
    pub fsyncs: u64,
    /// Directory fsyncs served since the previous cut.
    pub dir_fsyncs: u64,
}

/// The disk: its state, shared with the file system a mount serves.
#[derive(Clone)]
pub struct Disk {
    state: Arc<Mutex<State>>,
}

impl Default for Disk {
    fn default() -> Self {
        Disk::new()
    }
}

impl Disk {
    /// An empty disk: a root directory, durable, with nothing in it.
    pub fn new() -> Disk {
        let mut nodes = HashMap::new();
        let root = DirBody { parent: ROOT, ..DirBody::default() };
        nodes.insert(ROOT, Node { body: Body::Dir(root), perm: 0o755 });
        Disk { state: Arc::new(Mutex::new(State { nodes, next_ino: ROOT + 1, fsyncs: 0, dir_fsyncs: 0 })) }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic in a handler leaves the state as it was before that request: use it.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Serves the disk at `mountpoint` (an empty directory) until the returned guard drops.
    pub fn mount(&self, mountpoint: &Path) -> std::io::Result<Mounted> {
        let mut config = fuser::Config::default();
        config.mount_options = vec![fuser::MountOption::FSName("parapompi-powerfs".to_owned())];
        let fs = PowerFs { disk: self.clone(), uid: current_uid(), gid: current_gid() };
        let session = fuser::spawn_mount(fs, mountpoint, &config)?;
        let mounted = Mounted { mountpoint: mountpoint.to_path_buf(), session: Some(session) };
        // The mount is served by a thread; wait until the kernel answers through it.
        let deadline = Instant::now() + Duration::from_secs(10);
        while !is_mounted(mountpoint) {
            if Instant::now() > deadline {
                return Err(std::io::Error::other("the FUSE mount did not appear within 10 s"));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(mounted)
    }

    /// Cuts the power: every file and directory goes back to what its last fsync made
    /// durable; with `torn`, each keeps a random prefix of its unsynced changes, the last
    /// write torn at a sector boundary. Nodes no durable entry reaches are gone. Afterwards
    /// everything left is durable, as on a disk that has just come back. `below(n)` draws a
    /// number in `0..n`. Call it with nothing writing (the writer killed, the mount dropped).
    pub fn cut_power(&self, torn: bool, below: &mut dyn FnMut(u64) -> u64) -> CutReport {
        let mut state = self.lock();
        let mut report = CutReport { fsyncs: state.fsyncs, dir_fsyncs: state.dir_fsyncs, ..CutReport::default() };
        state.fsyncs = 0;
        state.dir_fsyncs = 0;
        let mut inos: Vec<u64> = state.nodes.keys().copied().collect();
        inos.sort_unstable();
        for ino in inos {
            let node = state.nodes.get_mut(&ino).expect("a listed node");
            match &mut node.body {
                Body::File(file) => {
                    let mut after = file.durable.clone();
                    if !file.pending.is_empty() {
                        report.files_with_unsynced_writes += 1;
                        report.unsynced_bytes += file.pending.iter().map(op_bytes).sum::<u64>();
                    }
                    if torn && !file.pending.is_empty() {
                        let n = u64::try_from(file.pending.len()).expect("a count");
                        let whole = usize::try_from(below(n + 1)).expect("a count");
                        for op in &file.pending[..whole] {
                            apply_file_op(&mut after, op);
                            report.kept_unsynced_bytes += op_bytes(op);
                        }
                        if let Some(FileOp::Write { offset, data }) = file.pending.get(whole) {
                            let kept = torn_prefix(*offset, data.len(), below);
                            let op = FileOp::Write { offset: *offset, data: data[..kept].to_vec() };
                            apply_file_op(&mut after, &op);
                            report.kept_unsynced_bytes += op_bytes(&op);
                        }
                    }
                    file.current = after.clone();
                    file.durable = after;
                    file.pending.clear();
                }
                Body::Dir(dir) => {
                    let mut after = dir.durable.clone();
                    report.unsynced_dir_changes += u64::try_from(dir.pending.len()).expect("a count");
                    if torn && !dir.pending.is_empty() {
                        let n = u64::try_from(dir.pending.len()).expect("a count");
                        let kept = usize::try_from(below(n + 1)).expect("a count");
                        for op in &dir.pending[..kept] {
                            apply_dir_op(&mut after, op);
                        }
                        report.kept_dir_changes += u64::try_from(kept).expect("a count");
                    }
                    dir.current = after.clone();
                    dir.durable = after;
                    dir.pending.clear();
                }
            }
        }
        // Whatever no directory names any more is gone, and each directory's parent is the
        // one that names it now.
        let mut reached = vec![ROOT];
        let mut seen = std::collections::HashSet::from([ROOT]);
        let mut parents = Vec::new();
        while let Some(ino) = reached.pop() {
            if let Some(Node { body: Body::Dir(dir), .. }) = state.nodes.get(&ino) {
                for child in dir.current.values() {
                    if state.nodes.contains_key(child) && seen.insert(*child) {
                        reached.push(*child);
                        parents.push((*child, ino));
                    }
                }
            }
        }
        state.nodes.retain(|ino, _| seen.contains(ino));
        let State { nodes, .. } = &mut *state;
        let present: std::collections::HashSet<u64> = nodes.keys().copied().collect();
        for node in nodes.values_mut() {
            if let Body::Dir(dir) = &mut node.body {
                dir.current.retain(|_, child| present.contains(child));
                dir.durable = dir.current.clone();
            }
        }
        for (child, parent) in parents {
            if let Some(Node { body: Body::Dir(dir), .. }) = state.nodes.get_mut(&child) {
                dir.parent = parent;
            }
        }
        report
    }

    /// No power cut at all: everything written reaches the disk, as the kernel writes its page
    /// cache back after a process is killed. What a kill alone leaves.
    pub fn settle(&self) {
        let mut state = self.lock();
        state.fsyncs = 0;
        state.dir_fsyncs = 0;
        for node in state.nodes.values_mut() {
            match &mut node.body {
                Body::File(file) => {
                    file.durable = file.current.clone();
                    file.pending.clear();
                }
                Body::Dir(dir) => {
                    dir.durable = dir.current.clone();
                    dir.pending.clear();
                }
            }
        }
    }

    /// Writes what the disk holds now into `target`, a plain directory: the state a machine
    /// would find after the cut, to be opened without FUSE.
    pub fn materialise(&self, target: &Path) -> std::io::Result<()> {
        let state = self.lock();
        copy_out(&state, ROOT, target)
    }
}

fn copy_out(state: &State, ino: u64, target: &Path) -> std::io::Result<()> {
    let Some(Node { body: Body::Dir(dir), .. }) = state.nodes.get(&ino) else { return Ok(()) };
    for (name, child) in &dir.current {
        let path = target.join(name);
        match state.nodes.get(child).map(|node| &node.body) {
            Some(Body::File(file)) => std::fs::write(&path, &file.current)?,
            Some(Body::Dir(_)) => {
                std::fs::create_dir_all(&path)?;
                copy_out(state, *child, &path)?;
            }
            None => {}
        }
    }
    Ok(())
}

fn op_bytes(op: &FileOp) -> u64 {
    match op {
        FileOp::Write { data, .. } => u64::try_from(data.len()).expect("a length"),
        FileOp::SetLen(_) => 0,
    }
}

/// How many bytes of a write at `offset` a torn cut keeps: whole sectors only, counted from
/// the sector boundaries of the file, so a prefix that ends at one of them (or none, or all).
fn torn_prefix(offset: u64, len: usize, below: &mut dyn FnMut(u64) -> u64) -> usize {
    let end = offset + u64::try_from(len).expect("a length");
    let mut cuts = vec![0u64];
    let mut boundary = (offset / SECTOR_BYTES + 1) * SECTOR_BYTES;
    while boundary < end {
        cuts.push(boundary - offset);
        boundary += SECTOR_BYTES;
    }
    // The whole write is not among the choices: that would be the next prefix, not a tear.
    let n = u64::try_from(cuts.len()).expect("a count");
    let chosen = cuts[usize::try_from(below(n)).expect("an index")];
    usize::try_from(chosen).expect("a length")
}

fn apply_file_op(content: &mut Vec<u8>, op: &FileOp) {
    match op {
        FileOp::Write { offset, data } => write_at(content, *offset, data),
        FileOp::SetLen(len) => content.resize(usize::try_from(*len).expect("a length"), 0),
    }
}

fn write_at(content: &mut Vec<u8>, offset: u64, data: &[u8]) {
    let start = usize::try_from(offset).expect("an offset");
    let end = start + data.len();
    if content.len() < end {
        content.resize(end, 0);
    }
    content[start..end].copy_from_slice(data);
}

fn apply_dir_op(entries: &mut BTreeMap<OsString, u64>, op: &DirOp) {
    match op {
        DirOp::Link(name, ino) => {
            entries.insert(name.clone(), *ino);
        }
        DirOp::Unlink(name) => {
            entries.remove(name);
        }
        DirOp::Rename { from, to, ino } => {
            entries.remove(from);
            entries.insert(to.clone(), *ino);
        }
    }
}

fn current_uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

fn current_gid() -> u32 {
    // SAFETY: getgid has no preconditions and cannot fail.
    unsafe { libc::getgid() }
}

/// Whether a file system is mounted at `mountpoint`, by the kernel's own table.
pub fn is_mounted(mountpoint: &Path) -> bool {
    let Ok(table) = std::fs::read_to_string("/proc/self/mountinfo") else { return false };
    let wanted = mountpoint.canonicalize().unwrap_or_else(|_| mountpoint.to_path_buf());
    table.lines().any(|line| line.split(' ').nth(4).is_some_and(|point| Path::new(point) == wanted))
}

/// A mounted disk. Dropping it unmounts, whatever happened: a normal unmount, then a lazy
/// one if the normal one fails; it never waits more than a few seconds for the serving
/// thread.
pub struct Mounted {
    mountpoint: PathBuf,
    session: Option<fuser::BackgroundSession>,
}

impl Mounted {
    /// Where the disk is mounted.
    pub fn path(&self) -> &Path {
        &self.mountpoint
    }
}

/// Unmounts `mountpoint` with fusermount3, lazily if it is busy: the last resort of every
/// clean-up path, and of the watchdog.
pub fn force_unmount(mountpoint: &Path) {
    if !is_mounted(mountpoint) {
        return;
    }
    let plain = Command::new("fusermount3").arg("-u").arg(mountpoint).output();
    if plain.is_ok_and(|out| out.status.success()) && !is_mounted(mountpoint) {
        return;
    }
    let _ = Command::new("fusermount3").arg("-u").arg("-z").arg(mountpoint).output();
    if is_mounted(mountpoint) {
        let _ = Command::new("umount").arg("-l").arg(mountpoint).output();
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        force_unmount(&self.mountpoint);
        if let Some(session) = self.session.take() {
            let deadline = Instant::now() + Duration::from_secs(5);
            while !session.guard.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            if session.guard.is_finished() {
                let _ = session.join();
            } else {
                eprintln!("powerfs: the FUSE thread of {} did not end; left behind", self.mountpoint.display());
            }
        }
    }
}

/// The file system a mount serves: every request locks the disk's state.
struct PowerFs {
    disk: Disk,
    uid: u32,
    gid: u32,
}

impl PowerFs {
    fn attr(&self, ino: u64, node: &Node) -> FileAttr {
        let (kind, size, nlink) = match &node.body {
            Body::File(file) => (FileType::RegularFile, u64::try_from(file.current.len()).expect("a length"), 1),
            Body::Dir(_) => (FileType::Directory, 4096, 2),
        };
        FileAttr {
            ino: INodeNo(ino),
            size,
            blocks: size.div_ceil(SECTOR_BYTES),
            atime: SystemTime::UNIX_EPOCH,
            mtime: SystemTime::UNIX_EPOCH,
            ctime: SystemTime::UNIX_EPOCH,
            crtime: SystemTime::UNIX_EPOCH,
            kind,
            perm: node.perm,
            nlink,
            uid: self.uid,
            gid: self.gid,
            rdev: 0,
            blksize: 4096,
            flags: 0,
        }
    }

    /// Adds a new node named `name` in `parent`; its entry is pending until `parent` syncs.
    fn add_node(&self, parent: INodeNo, name: &OsStr, body: Body, mode: u32) -> Result<FileAttr, Errno> {
        let mut state = self.disk.lock();
        let ino = state.next_ino;
        match state.nodes.get(&parent.0).map(|n| &n.body) {
            Some(Body::Dir(dir)) if dir.current.contains_key(name) => return Err(Errno::EEXIST),
            Some(Body::Dir(_)) => {}
            Some(Body::File(_)) => return Err(Errno::ENOTDIR),
            None => return Err(Errno::ENOENT),
        }
        state.next_ino += 1;
        let perm = u16::try_from(mode & 0o7777).expect("twelve bits");
        let node = Node { body, perm };
        let attr = self.attr(ino, &node);
        state.nodes.insert(ino, node);
        if let Some(Node { body: Body::Dir(dir), .. }) = state.nodes.get_mut(&parent.0) {
            dir.current.insert(name.to_owned(), ino);
            dir.pending.push(DirOp::Link(name.to_owned(), ino));
        }
        Ok(attr)
    }

    fn remove_entry(&self, parent: INodeNo, name: &OsStr, want_dir: bool) -> Result<(), Errno> {
        let mut state = self.disk.lock();
        let Some(Node { body: Body::Dir(dir), .. }) = state.nodes.get(&parent.0) else { return Err(Errno::ENOTDIR) };
        let Some(&ino) = dir.current.get(name) else { return Err(Errno::ENOENT) };
        match (&state.nodes.get(&ino).map(|n| &n.body), want_dir) {
            (Some(Body::Dir(child)), true) if !child.current.is_empty() => return Err(Errno::ENOTEMPTY),
            (Some(Body::Dir(_)), false) => return Err(Errno::EISDIR),
            (Some(Body::File(_)), true) => return Err(Errno::ENOTDIR),
            _ => {}
        }
        if let Some(Node { body: Body::Dir(dir), .. }) = state.nodes.get_mut(&parent.0) {
            dir.current.remove(name);
            dir.pending.push(DirOp::Unlink(name.to_owned()));
        }
        // The node stays: its durable entry may bring it back at a cut.
        Ok(())
    }
}

impl Filesystem for PowerFs {
    fn lookup(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEntry) {
        let state = self.disk.lock();
        let found = match state.nodes.get(&parent.0).map(|n| &n.body) {
            Some(Body::Dir(dir)) => dir.current.get(name).and_then(|ino| state.nodes.get(ino).map(|n| (*ino, n))),
            _ => None,
        };
        match found {
            Some((ino, node)) => reply.entry(&TTL, &self.attr(ino, node), Generation(0)),
            None => reply.error(Errno::ENOENT),
        }
    }

    fn getattr(&self, _req: &Request, ino: INodeNo, _fh: Option<FileHandle>, reply: ReplyAttr) {
        let state = self.disk.lock();
        match state.nodes.get(&ino.0) {
            Some(node) => reply.attr(&TTL, &self.attr(ino.0, node)),
            None => reply.error(Errno::ENOENT),
        }
    }

    fn setattr(
        &self,
        _req: &Request,
        ino: INodeNo,
        mode: Option<u32>,
        _uid: Option<u32>,
        _gid: Option<u32>,
        size: Option<u64>,
        _atime: Option<TimeOrNow>,
        _mtime: Option<TimeOrNow>,
        _ctime: Option<SystemTime>,
        _fh: Option<FileHandle>,
        _crtime: Option<SystemTime>,
        _chgtime: Option<SystemTime>,
        _bkuptime: Option<SystemTime>,
        _flags: Option<fuser::BsdFileFlags>,
        reply: ReplyAttr,
    ) {
        let mut state = self.disk.lock();
        let Some(node) = state.nodes.get_mut(&ino.0) else { return reply.error(Errno::ENOENT) };
        if let Some(mode) = mode {
            node.perm = u16::try_from(mode & 0o7777).expect("twelve bits");
        }
        if let Some(size) = size {
            let Body::File(file) = &mut node.body else { return reply.error(Errno::EISDIR) };
            let op = FileOp::SetLen(size);
            apply_file_op(&mut file.current, &op);
            file.pending.push(op);
        }
        let attr = self.attr(ino.0, node);
        reply.attr(&TTL, &attr);
    }

    fn mknod(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        _rdev: u32,
        reply: ReplyEntry,
    ) {
        if mode & libc::S_IFMT != libc::S_IFREG {
            return reply.error(Errno::EPERM);
        }
        match self.add_node(parent, name, Body::File(FileBody::default()), mode & !umask) {
            Ok(attr) => reply.entry(&TTL, &attr, Generation(0)),
            Err(errno) => reply.error(errno),
        }
    }

    fn mkdir(&self, _req: &Request, parent: INodeNo, name: &OsStr, mode: u32, umask: u32, reply: ReplyEntry) {
        let dir = DirBody { parent: parent.0, ..DirBody::default() };
        match self.add_node(parent, name, Body::Dir(dir), mode & !umask) {
            Ok(attr) => reply.entry(&TTL, &attr, Generation(0)),
            Err(errno) => reply.error(errno),
        }
    }

    fn unlink(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        match self.remove_entry(parent, name, false) {
            Ok(()) => reply.ok(),
            Err(errno) => reply.error(errno),
        }
    }

    fn rmdir(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        match self.remove_entry(parent, name, true) {
            Ok(()) => reply.ok(),
            Err(errno) => reply.error(errno),
        }
    }

    fn rename(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        newparent: INodeNo,
        newname: &OsStr,
        flags: RenameFlags,
        reply: ReplyEmpty,
    ) {
        if parent != newparent {
            return reply.error(Errno::EXDEV);
        }
        if !flags.is_empty() {
            return reply.error(Errno::EINVAL);
        }
        let mut state = self.disk.lock();
        let Some(Node { body: Body::Dir(dir), .. }) = state.nodes.get(&parent.0) else {
            return reply.error(Errno::ENOTDIR);
        };
        let Some(&ino) = dir.current.get(name) else { return reply.error(Errno::ENOENT) };
        if let Some(&target) = dir.current.get(newname) {
            if let Some(Node { body: Body::Dir(target_dir), .. }) = state.nodes.get(&target) {
                if !target_dir.current.is_empty() {
                    return reply.error(Errno::ENOTEMPTY);
                }
            }
        }
        if let Some(Node { body: Body::Dir(dir), .. }) = state.nodes.get_mut(&parent.0) {
            let op = DirOp::Rename { from: name.to_owned(), to: newname.to_owned(), ino };
            apply_dir_op(&mut dir.current, &op);
            dir.pending.push(op);
        }
        reply.ok();
    }

    fn open(&self, _req: &Request, ino: INodeNo, flags: OpenFlags, reply: ReplyOpen) {
        let mut state = self.disk.lock();
        match state.nodes.get_mut(&ino.0).map(|n| &mut n.body) {
            Some(Body::File(file)) => {
                if flags.0 & libc::O_TRUNC != 0 {
                    let op = FileOp::SetLen(0);
                    apply_file_op(&mut file.current, &op);
                    file.pending.push(op);
                }
                reply.opened(FileHandle(0), FopenFlags::FOPEN_DIRECT_IO);
            }
            Some(Body::Dir(_)) => reply.error(Errno::EISDIR),
            None => reply.error(Errno::ENOENT),
        }
    }

    fn read(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        offset: u64,
        size: u32,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyData,
    ) {
        let state = self.disk.lock();
        let Some(Body::File(file)) = state.nodes.get(&ino.0).map(|n| &n.body) else {
            return reply.error(Errno::ENOENT);
        };
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(file.current.len());
        let end = start.saturating_add(usize::try_from(size).expect("a size")).min(file.current.len());
        reply.data(&file.current[start..end]);
    }

    fn write(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        offset: u64,
        data: &[u8],
        _write_flags: WriteFlags,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyWrite,
    ) {
        let mut state = self.disk.lock();
        let Some(Body::File(file)) = state.nodes.get_mut(&ino.0).map(|n| &mut n.body) else {
            return reply.error(Errno::ENOENT);
        };
        write_at(&mut file.current, offset, data);
        file.pending.push(FileOp::Write { offset, data: data.to_vec() });
        reply.written(u32::try_from(data.len()).expect("a write under 4 GiB"));
    }

    fn flush(&self, _req: &Request, _ino: INodeNo, _fh: FileHandle, _lock_owner: LockOwner, reply: ReplyEmpty) {
        // close(2) makes nothing durable.
        reply.ok();
    }

    fn fsync(&self, _req: &Request, ino: INodeNo, _fh: FileHandle, _datasync: bool, reply: ReplyEmpty) {
        let mut state = self.disk.lock();
        state.fsyncs += 1;
        match state.nodes.get_mut(&ino.0).map(|n| &mut n.body) {
            Some(Body::File(file)) => {
                for op in file.pending.drain(..) {
                    apply_file_op(&mut file.durable, &op);
                }
                debug_assert_eq!(file.durable, file.current);
                reply.ok();
            }
            Some(Body::Dir(dir)) => {
                // An fsync(2) of a directory opened as a file: the same as fsyncdir.
                for op in dir.pending.drain(..) {
                    apply_dir_op(&mut dir.durable, &op);
                }
                reply.ok();
            }
            None => reply.error(Errno::ENOENT),
        }
    }

    fn opendir(&self, _req: &Request, ino: INodeNo, _flags: OpenFlags, reply: ReplyOpen) {
        let state = self.disk.lock();
        match state.nodes.get(&ino.0).map(|n| &n.body) {
            Some(Body::Dir(_)) => reply.opened(FileHandle(0), FopenFlags::empty()),
            Some(Body::File(_)) => reply.error(Errno::ENOTDIR),
            None => reply.error(Errno::ENOENT),
        }
    }

    fn readdir(&self, _req: &Request, ino: INodeNo, _fh: FileHandle, offset: u64, mut reply: ReplyDirectory) {
        let state = self.disk.lock();
        let Some(Body::Dir(dir)) = state.nodes.get(&ino.0).map(|n| &n.body) else {
            return reply.error(Errno::ENOTDIR);
        };
        let mut entries: Vec<(u64, FileType, OsString)> =
            vec![(ino.0, FileType::Directory, ".".into()), (dir.parent, FileType::Directory, "..".into())];
        for (name, child) in &dir.current {
            let kind = match state.nodes.get(child).map(|n| &n.body) {
                Some(Body::Dir(_)) => FileType::Directory,
                _ => FileType::RegularFile,
            };
            entries.push((*child, kind, name.clone()));
        }
        let skip = usize::try_from(offset).unwrap_or(usize::MAX);
        for (i, (child, kind, name)) in entries.into_iter().enumerate().skip(skip) {
            if reply.add(INodeNo(child), u64::try_from(i + 1).expect("an offset"), kind, &name) {
                break;
            }
        }
        reply.ok();
    }

    fn fsyncdir(&self, _req: &Request, ino: INodeNo, _fh: FileHandle, _datasync: bool, reply: ReplyEmpty) {
        let mut state = self.disk.lock();
        state.dir_fsyncs += 1;
        match state.nodes.get_mut(&ino.0).map(|n| &mut n.body) {
            Some(Body::Dir(dir)) => {
                for op in dir.pending.drain(..) {
                    apply_dir_op(&mut dir.durable, &op);
                }
                reply.ok();
            }
            Some(Body::File(_)) => reply.error(Errno::ENOTDIR),
            None => reply.error(Errno::ENOENT),
        }
    }

    fn statfs(&self, _req: &Request, _ino: INodeNo, reply: ReplyStatfs) {
        reply.statfs(1 << 24, 1 << 23, 1 << 23, 1 << 20, 1 << 19, 4096, 255, 4096);
    }

    fn access(&self, _req: &Request, _ino: INodeNo, _mask: fuser::AccessFlags, reply: ReplyEmpty) {
        reply.ok();
    }

    fn create(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        flags: i32,
        reply: ReplyCreate,
    ) {
        // The kernel asks to create only after a lookup found nothing; a race with another
        // creator is answered as the open of what is there.
        let existing = {
            let state = self.disk.lock();
            match state.nodes.get(&parent.0).map(|n| &n.body) {
                Some(Body::Dir(dir)) => dir.current.get(name).copied(),
                _ => return reply.error(Errno::ENOENT),
            }
        };
        if let Some(ino) = existing {
            if flags & libc::O_EXCL != 0 {
                return reply.error(Errno::EEXIST);
            }
            let mut state = self.disk.lock();
            let Some(node) = state.nodes.get_mut(&ino) else { return reply.error(Errno::ENOENT) };
            if let Body::File(file) = &mut node.body {
                if flags & libc::O_TRUNC != 0 {
                    let op = FileOp::SetLen(0);
                    apply_file_op(&mut file.current, &op);
                    file.pending.push(op);
                }
            }
            let attr = self.attr(ino, node);
            return reply.created(&TTL, &attr, Generation(0), FileHandle(0), FopenFlags::FOPEN_DIRECT_IO);
        }
        match self.add_node(parent, name, Body::File(FileBody::default()), mode & !umask) {
            Ok(attr) => reply.created(&TTL, &attr, Generation(0), FileHandle(0), FopenFlags::FOPEN_DIRECT_IO),
            Err(errno) => reply.error(errno),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_torn_prefix_ends_on_a_sector_boundary() {
        let mut draws = (0..).map(|i: u64| i);
        for _ in 0..8 {
            let mut below = |n: u64| draws.next().expect("a draw") % n;
            let kept = torn_prefix(700, 3000, &mut below);
            assert!(kept < 3000);
            assert!(kept == 0 || (700 + u64::try_from(kept).unwrap()) % SECTOR_BYTES == 0);
        }
    }
}
