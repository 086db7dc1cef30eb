//! Packet rings for a user-space TCP/IPv4 stack in Deno.
//!
//! One netmap-shaped ABI whatever the backend (`tap:NAME`, `packet:IFNAME`,
//! `netmap:IFNAME`): packet memory in one region the shim owns and TypeScript
//! maps once, and two small descriptor arrays (receive and transmit) that say
//! which frames of that region hold received frames or frames to send. Every
//! call takes integers and pointers only, so Deno calls it on its fast path;
//! a burst is one call each way, and `mtcp_shim_wait` (declared `nonblocking`
//! on the TypeScript side) is the only call that may sleep.
//!
//! The ring handle returned by `mtcp_shim_open` points at a [`RingInfo`]:
//! sizes, the addresses of the packet memory and descriptor arrays, and
//! counters, all at fixed offsets that `ffi/shim.ts` reads.
//!
//! The contract of a burst, as in netmap: frames named by the receive
//! descriptors of one `mtcp_shim_rx` call stay valid until the next
//! `mtcp_shim_rx` or `mtcp_shim_wait` call, which hands them back to the
//! kernel. Transmit descriptors `0..tx_avail` name free frames to build into;
//! `mtcp_shim_tx(ring, n)` sends the first `n` (their `len` set) and refreshes
//! the descriptors and `tx_avail`.

#![allow(clippy::missing_safety_doc)] // every export documents its safety contract below

pub mod netmap;
mod packet;
pub mod sys;
mod tap;
mod xdp;

use core::ffi::c_void;
use core::ptr;
use sys::*;

/// Version of the ABI below; `ffi/shim.ts` refuses a library of another version.
pub const ABI_VERSION: u32 = 3;

/// The default ring size of `packet:` and `xdp:`, and the most: 4096 frames,
/// 44 ms of 92,000 frames a second (23,000 short connections) while the
/// JavaScript thread is busy elsewhere. Under that load rounds of 5 to 28 ms
/// of application work happen, and 256 frames lost SYNs, 2048 still dropped
/// some; 4096 none.
const DEEP_RING_SLOTS: u32 = 4096;

/// Backend numbers in [`RingInfo::backend`].
pub const BACKEND_TAP: u32 = 1;
pub const BACKEND_PACKET: u32 = 2;
pub const BACKEND_NETMAP: u32 = 3;
pub const BACKEND_XDP: u32 = 4;

/// `flags` of `mtcp_shim_open`.
pub const OPEN_VNET_HDR: u32 = 1 << 0; // tap: IFF_VNET_HDR with checksum offload
pub const OPEN_MULTI_QUEUE: u32 = 1 << 1; // tap: IFF_MULTI_QUEUE (one queue per open)
pub const OPEN_TSO: u32 = 1 << 2; // tap with vnet header: accept TSO/GRO super-frames
pub const OPEN_NO_QDISC_BYPASS: u32 = 1 << 3; // packet: go through the qdisc

/// Bits of [`RingInfo::features`].
pub const FEATURE_VNET_HDR: u32 = 1 << 0;
pub const FEATURE_MULTI_QUEUE: u32 = 1 << 1;
pub const FEATURE_CREATED: u32 = 1 << 2;
pub const FEATURE_QDISC_BYPASS: u32 = 1 << 3;
pub const FEATURE_TX_HAS_OFF: u32 = 1 << 4;
pub const FEATURE_TSO: u32 = 1 << 5;
/// The device went away (deleted interface, dead descriptor): nothing more will come.
pub const FEATURE_GONE: u32 = 1 << 31;

/// Bits of [`Desc::flags`] (the low byte; byte 1 is the GSO type, bytes 2-3 the GSO size).
pub const DESC_CSUM_PARTIAL: u32 = 1 << 0; // checksum not yet computed: trusted local data
pub const DESC_CSUM_VALID: u32 = 1 << 1; // the kernel verified the checksum

/// One descriptor: a frame at `mem + off`, `len` bytes long.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Desc {
    pub off: u32,
    pub len: u32,
    /// DESC_* bits | gso_type << 8 | gso_size << 16.
    pub flags: u32,
    /// csum_start | csum_offset << 16 (both from the frame's first byte).
    pub meta: u32,
}

/// The head of every ring handle, read by TypeScript at these fixed offsets.
#[repr(C)]
pub struct RingInfo {
    pub abi: u32,        // 0
    pub backend: u32,    // 4
    pub rx_slots: u32,   // 8: receive descriptors (most frames per burst)
    pub tx_slots: u32,   // 12: transmit descriptors
    pub slot_size: u32,  // 16: largest frame a slot holds
    pub tx_avail: u32,   // 20: transmit descriptors usable now
    pub features: u32,   // 24: FEATURE_* bits
    pub mtu: u32,        // 28: the interface's MTU
    pub mem: u64,        // 32: packet memory
    pub mem_len: u64,    // 40
    pub rx_desc: u64,    // 48: receive descriptors
    pub tx_desc: u64,    // 56: transmit descriptors
    pub fd: i32,         // 64
    pub last_errno: i32, // 68: errno of the last failed system call
    pub mac: [u8; 8],    // 72: the interface's hardware address (packet, netmap)
    pub rx_frames: u64,  // 80
    pub rx_bytes: u64,   // 88
    pub rx_dropped: u64, // 96: dropped by the kernel (ring full) or truncated
    pub rx_errors: u64,  // 104: failed reads
    pub tx_frames: u64,  // 112
    pub tx_bytes: u64,   // 120
    pub tx_dropped: u64, // 128: frames not sent (queue full, device gone)
    pub tx_errors: u64,  // 136: failed writes
    pub waits: u64,      // 144: calls to wait that slept
    pub wakeups: u64,    // 152: waits ended by mtcp_shim_wake
    pub arena_len: u64,  // 160: bytes at the start of `mem` for the stack's own buffers
}

/// Size of [`RingInfo`], for the TypeScript view.
pub const RING_INFO_SIZE: usize = 168;
const _: () = assert!(core::mem::size_of::<RingInfo>() == RING_INFO_SIZE);
const _: () = assert!(core::mem::size_of::<Desc>() == 16);

pub(crate) enum Backend {
    Tap(tap::Tap),
    Packet(packet::Packet),
    Netmap(netmap::Netmap),
    Xdp(xdp::Xdp),
}

/// A ring handle: the info block first, so a handle is a pointer to its info.
#[repr(C)]
pub struct Ring {
    pub info: RingInfo,
    wake_fd: i32,
    rx: Vec<Desc>,
    tx: Vec<Desc>,
    backend: Backend,
}

impl Ring {
    fn new(backend_id: u32, fd: i32, rx_slots: u32, tx_slots: u32, backend: Backend) -> Box<Ring> {
        let mut r = Box::new(Ring {
            info: RingInfo {
                abi: ABI_VERSION,
                backend: backend_id,
                rx_slots,
                tx_slots,
                slot_size: 0,
                tx_avail: 0,
                features: 0,
                mtu: 1500,
                mem: 0,
                mem_len: 0,
                rx_desc: 0,
                tx_desc: 0,
                fd,
                last_errno: 0,
                mac: [0; 8],
                rx_frames: 0,
                rx_bytes: 0,
                rx_dropped: 0,
                rx_errors: 0,
                tx_frames: 0,
                tx_bytes: 0,
                tx_dropped: 0,
                tx_errors: 0,
                waits: 0,
                wakeups: 0,
                arena_len: 0,
            },
            wake_fd: -1,
            rx: vec![Desc::default(); rx_slots as usize],
            tx: vec![Desc::default(); tx_slots as usize],
            backend,
        });
        r.info.rx_desc = r.rx.as_ptr() as u64;
        r.info.tx_desc = r.tx.as_ptr() as u64;
        r
    }
}

/// An error for `mtcp_shim_open`'s message buffer.
pub(crate) struct OpenError(pub String);

pub(crate) fn os_error(errno: i32) -> String {
    // SAFETY: strerror returns a valid NUL-terminated string for any errno.
    let s = unsafe { core::ffi::CStr::from_ptr(strerror(errno)) };
    s.to_string_lossy().into_owned()
}

/// The usual message for a failed privileged step.
pub(crate) fn privilege_error(spec: &str, what: &str, errno: i32, cap: &str) -> OpenError {
    if errno == EPERM || errno == EACCES {
        OpenError(format!(
            "{spec}: {what}: permission denied: {cap} is needed (run as root, or inside `unshare -rn`)"
        ))
    } else {
        OpenError(format!("{spec}: {what}: {}", os_error(errno)))
    }
}

/// The interface name of a spec, checked against IFNAMSIZ.
pub(crate) fn ifname(spec: &str, name: &str) -> Result<[u8; IFNAMSIZ], OpenError> {
    if name.is_empty()
        || name.len() >= IFNAMSIZ
        || name.bytes().any(|b| b == 0 || b == b'/' || b <= b' ')
    {
        return Err(OpenError(format!(
            "{spec}: invalid interface name (1 to {} characters, no spaces or '/')",
            IFNAMSIZ - 1
        )));
    }
    let mut out = [0u8; IFNAMSIZ];
    out[..name.len()].copy_from_slice(name.as_bytes());
    Ok(out)
}

/// The MTU and hardware address of an interface (by an AF_INET socket's ioctls).
pub(crate) fn interface_facts(name: &[u8; IFNAMSIZ]) -> (u32, [u8; 8]) {
    let mut mtu = 1500u32;
    let mut mac = [0u8; 8];
    // SAFETY: plain system calls on a socket we own, with ifreq buffers we own.
    unsafe {
        let s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if s >= 0 {
            let mut req = ifreq {
                ifr_name: *name,
                ifr_ifru: [0; 24],
            };
            if ioctl(s, SIOCGIFMTU, &mut req as *mut ifreq) == 0 && req.int() > 0 {
                mtu = req.int() as u32;
            }
            let mut req = ifreq {
                ifr_name: *name,
                ifr_ifru: [0; 24],
            };
            if ioctl(s, SIOCGIFHWADDR, &mut req as *mut ifreq) == 0 {
                mac[..6].copy_from_slice(&req.ifr_ifru[2..8]);
            }
            close(s);
        }
    }
    (mtu, mac)
}

/// One contiguous mapping: `arena` bytes for the stack's socket buffers, then
/// the packet memory. Because both lie in one range, TypeScript sees them as
/// one ArrayBuffer, and copies between a frame and a socket buffer are
/// `copyWithin`: no view is made per packet.
pub(crate) struct Region {
    pub base: *mut u8,
    pub len: usize,
    pub arena: usize,
}

impl Region {
    /// Reserves `arena` (rounded to pages) plus `packets` bytes, anonymous.
    pub fn reserve(arena: usize, packets: usize) -> Result<Region, i32> {
        let arena = (arena + 4095) & !4095;
        let len = arena + ((packets + 4095) & !4095);
        // SAFETY: an anonymous private mapping touches no existing memory.
        let p = unsafe {
            mmap(
                ptr::null_mut(),
                len,
                PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                -1,
                0,
            )
        };
        if p == MAP_FAILED {
            Err(errno())
        } else {
            Ok(Region {
                base: p as *mut u8,
                len,
                arena,
            })
        }
    }

    /// Where packet memory starts.
    pub fn packets(&self) -> *mut u8 {
        // SAFETY: `arena` is within the reservation.
        unsafe { self.base.add(self.arena) }
    }

    /// Maps `len` bytes of `fd` (a kernel ring) over the packet part, in place.
    pub fn map_device(&self, fd: i32, len: usize) -> Result<(), i32> {
        // SAFETY: MAP_FIXED replaces pages of our own reservation only.
        let p = unsafe {
            mmap(
                self.packets() as *mut c_void,
                len,
                PROT_READ | PROT_WRITE,
                MAP_SHARED | MAP_FIXED | MAP_POPULATE,
                fd,
                0,
            )
        };
        if p == MAP_FAILED {
            Err(errno())
        } else {
            Ok(())
        }
    }

    /// Reserves `arena` bytes and maps `len` bytes of the kernel's ring memory
    /// (`fd`) after them. On failure `fd` is closed and the error names `spec`.
    pub fn with_device(spec: &str, arena: usize, fd: i32, len: usize) -> Result<Region, OpenError> {
        let fail = |what: &str, e: i32| {
            // SAFETY: the descriptor is the caller's, handed over on failure.
            unsafe { close(fd) };
            OpenError(format!("{spec}: {what}: {}", os_error(e)))
        };
        let mut region =
            Region::reserve(arena, len).map_err(|e| fail("cannot reserve memory", e))?;
        if let Err(e) = region.map_device(fd, len) {
            region.release();
            return Err(fail("cannot map the device's memory", e));
        }
        Ok(region)
    }

    /// Fills the info block's memory fields.
    pub fn describe(&self, info: &mut RingInfo) {
        info.mem = self.base as u64;
        info.mem_len = self.len as u64;
        info.arena_len = self.arena as u64;
    }

    /// Unmaps the whole range (a kernel ring mapped into it included).
    pub fn release(&mut self) {
        if !self.base.is_null() {
            // SAFETY: the range is ours and released once.
            unsafe { munmap(self.base as *mut c_void, self.len) };
            self.base = ptr::null_mut();
        }
    }
}

fn write_error(err: *mut u8, cap: usize, msg: &str) {
    if err.is_null() || cap == 0 {
        return;
    }
    let n = msg.len().min(cap - 1);
    // SAFETY: the caller promises `err` holds `cap` writable bytes.
    unsafe {
        ptr::copy_nonoverlapping(msg.as_ptr(), err, n);
        *err.add(n) = 0;
    }
}

/// The ABI version this library implements.
///
/// # Safety
/// None: no pointers are involved.
#[no_mangle]
pub extern "C" fn mtcp_shim_abi_version() -> u32 {
    ABI_VERSION
}

/// Opens a ring on the device `spec` (`tap:NAME`, `packet:IFNAME`, `netmap:IFNAME` or `xdp:IFNAME`).
/// `slots` is the number of receive and of transmit descriptors (0: 4096 on
/// `packet:` and `xdp:`, whose receive ring is all the buffering the kernel
/// has for us, and 256 on `tap:` and `netmap:`, whose kernel side queues);
/// `arena` bytes at the start of the ring's memory are left for the caller's
/// own buffers (see `Region`). Returns the ring handle, or null with a
/// one-line message in `err`.
///
/// # Safety
/// `spec` must point to `spec_len` readable bytes; `err` to `err_cap` writable
/// bytes (or be null). The handle must be released with `mtcp_shim_close`, once.
#[no_mangle]
pub unsafe extern "C" fn mtcp_shim_open(
    spec: *const u8,
    spec_len: usize,
    flags: u32,
    slots: u32,
    arena: usize,
    err: *mut u8,
    err_cap: usize,
) -> *mut Ring {
    let bytes = if spec.is_null() {
        &[][..]
    } else {
        core::slice::from_raw_parts(spec, spec_len)
    };
    let spec = String::from_utf8_lossy(bytes).into_owned();
    let slots = if slots == 0 {
        if spec.starts_with("packet:") || spec.starts_with("xdp:") {
            DEEP_RING_SLOTS
        } else {
            256
        }
    } else {
        slots.clamp(8, 4096)
    };
    let opened = match spec.split_once(':') {
        Some(("tap", name)) => tap::open(&spec, name, flags, slots, arena),
        Some(("packet", name)) => packet::open(&spec, name, flags, slots, arena),
        Some(("netmap", name)) => netmap::open(&spec, name, flags, slots, arena),
        Some(("xdp", name)) => xdp::open(&spec, name, flags, slots, arena),
        _ => Err(OpenError(format!(
            "{spec}: unknown device (expected tap:NAME, packet:IFNAME, netmap:IFNAME or xdp:IFNAME)"
        ))),
    };
    let mut ring = match opened {
        Ok(r) => r,
        Err(OpenError(msg)) => {
            write_error(err, err_cap, &msg);
            return ptr::null_mut();
        }
    };
    let wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if wake < 0 {
        let e = errno();
        write_error(err, err_cap, &format!("{spec}: eventfd: {}", os_error(e)));
        close_backend(&mut ring);
        return ptr::null_mut();
    }
    ring.wake_fd = wake;
    Box::into_raw(ring)
}

/// Hands the previous receive burst back and fills up to `max` receive
/// descriptors with newly received frames. Returns how many (0 when none),
/// or a negative errno when the device failed.
///
/// # Safety
/// `ring` must be a live handle from `mtcp_shim_open`, not used concurrently
/// by another receive call.
#[no_mangle]
pub unsafe extern "C" fn mtcp_shim_rx(ring: *mut Ring, max: u32) -> i32 {
    let r = &mut *ring;
    let max = max.min(r.info.rx_slots) as usize;
    let Ring {
        info, rx, backend, ..
    } = r;
    match backend {
        Backend::Tap(t) => t.rx(info, rx, max),
        Backend::Packet(p) => p.rx(info, rx, max),
        Backend::Netmap(n) => n.rx(info, rx, max),
        Backend::Xdp(x) => x.rx(info, rx, max),
    }
}

/// Sends the first `n` transmit descriptors (their `len` and `flags` set),
/// then refreshes the descriptors and `tx_avail`. Returns the number of frames
/// handed to the device, or a negative errno. `n = 0` only refreshes.
///
/// # Safety
/// `ring` must be a live handle; `n` must not exceed `tx_avail`; each sent
/// frame's `len` must fit its slot (`slot_size`).
#[no_mangle]
pub unsafe extern "C" fn mtcp_shim_tx(ring: *mut Ring, n: u32) -> i32 {
    let r = &mut *ring;
    let n = n.min(r.info.tx_avail) as usize;
    let Ring {
        info, tx, backend, ..
    } = r;
    match backend {
        Backend::Tap(t) => t.tx(info, tx, n),
        Backend::Packet(p) => p.tx(info, tx, n),
        Backend::Netmap(m) => m.tx(info, tx, n),
        Backend::Xdp(x) => x.tx(info, tx, n),
    }
}

/// Waits up to `timeout_ms` (-1: forever) until a frame can be received or
/// `mtcp_shim_wake` is called. Hands the previous receive burst back first.
/// Returns 1 when the device is readable, 2 when woken, 0 on timeout, or a
/// negative errno (`-ENETDOWN` once the device is gone).
///
/// # Safety
/// `ring` must be a live handle. Meant to run off the JavaScript thread
/// (`nonblocking`): while it runs, the caller must not call `mtcp_shim_rx` or
/// `mtcp_shim_close` on the ring; `mtcp_shim_tx` and `mtcp_shim_wake` are safe.
#[no_mangle]
pub unsafe extern "C" fn mtcp_shim_wait(ring: *mut Ring, timeout_ms: i32) -> i32 {
    let r = &mut *ring;
    let fd = r.info.fd;
    match &mut r.backend {
        Backend::Packet(p) => p.release(),
        Backend::Xdp(x) => x.release(),
        Backend::Netmap(_) | Backend::Tap(_) => {}
    }
    if r.info.features & FEATURE_GONE != 0 {
        return -ENETDOWN;
    }
    let mut fds = [
        pollfd {
            fd,
            events: POLLIN,
            revents: 0,
        },
        pollfd {
            fd: r.wake_fd,
            events: POLLIN,
            revents: 0,
        },
    ];
    let n = poll(fds.as_mut_ptr(), 2, timeout_ms);
    if n < 0 {
        let e = errno();
        return if e == EINTR { 0 } else { -e };
    }
    if n == 0 {
        r.info.waits += 1;
        // An AF_XDP socket is not told when its interface goes: look.
        if let Backend::Xdp(x) = &r.backend {
            if x.gone() {
                r.info.rx_errors += 1;
                r.info.features |= FEATURE_GONE;
                r.info.last_errno = ENETDOWN;
                return -ENETDOWN;
            }
        }
        return 0;
    }
    r.info.waits += 1;
    if fds[1].revents & POLLIN != 0 {
        let mut v = 0u64;
        read(r.wake_fd, &mut v as *mut u64 as *mut c_void, 8);
        r.info.wakeups += 1;
        return 2;
    }
    if fds[0].revents & (POLLERR | POLLHUP | POLLNVAL) != 0 {
        // A packet socket reports a passing error (a full queue, the link set
        // down) the same way: clear it, and call the device gone only when
        // its interface no longer exists. A TAP's descriptor errs only then.
        let gone = match &mut r.backend {
            Backend::Packet(p) => p.take_error(&mut r.info),
            Backend::Xdp(x) => x.gone(),
            Backend::Tap(_) | Backend::Netmap(_) => fds[0].revents & POLLIN == 0,
        };
        r.info.rx_errors += 1;
        if gone {
            r.info.features |= FEATURE_GONE;
            r.info.last_errno = ENETDOWN;
            return -ENETDOWN;
        }
    }
    1
}

/// Spins on the calling (JavaScript) thread until a frame can be received
/// or `us` microseconds pass: 1 or 0. It never sleeps (the core stays awake,
/// so a frame is seen within about a microsecond) and allocates nothing; the
/// caller bounds `us` to keep its event loop moving. Errors and a vanished
/// device are left to `mtcp_shim_wait`, which reports them (this returns 1
/// on one, so the caller polls and then waits there).
///
/// # Safety
/// `ring` must be a live handle, and no `mtcp_shim_wait` in progress on it.
#[no_mangle]
pub unsafe extern "C" fn mtcp_shim_spin(ring: *mut Ring, us: u32) -> i32 {
    let r = &mut *ring;
    match &mut r.backend {
        Backend::Packet(p) => p.release(),
        Backend::Xdp(x) => x.release(),
        Backend::Netmap(_) | Backend::Tap(_) => {}
    }
    let mut fd = pollfd {
        fd: r.info.fd,
        events: POLLIN,
        revents: 0,
    };
    let start = std::time::Instant::now();
    let limit = std::time::Duration::from_micros(us as u64);
    loop {
        if poll(&mut fd, 1, 0) != 0 {
            return 1;
        }
        if start.elapsed() >= limit {
            return 0;
        }
        core::hint::spin_loop();
    }
}

/// Ends a `mtcp_shim_wait` in progress (or the next one) early. Returns 0.
///
/// # Safety
/// `ring` must be a live handle. Safe to call from any thread.
#[no_mangle]
pub unsafe extern "C" fn mtcp_shim_wake(ring: *mut Ring) -> i32 {
    let v = 1u64;
    write((*ring).wake_fd, &v as *const u64 as *const c_void, 8);
    0
}

/// Folds the kernel's own counters (AF_PACKET's and AF_XDP's drops) into the info block.
/// Returns 0.
///
/// # Safety
/// `ring` must be a live handle.
#[no_mangle]
pub unsafe extern "C" fn mtcp_shim_stats(ring: *mut Ring) -> i32 {
    let r = &mut *ring;
    match &mut r.backend {
        Backend::Packet(p) => p.stats(&mut r.info),
        Backend::Xdp(x) => x.stats(&mut r.info),
        Backend::Tap(_) | Backend::Netmap(_) => {}
    }
    0
}

/// Gives the kernel side of a TAP an IPv4 address (`addr` in host order,
/// `prefix` bits; 0.0.0.0 leaves the address alone) and brings the link up.
/// Returns 0 or a negative errno.
///
/// # Safety
/// `ring` must be a live handle.
#[no_mangle]
pub unsafe extern "C" fn mtcp_shim_tap_configure(ring: *mut Ring, addr: u32, prefix: u32) -> i32 {
    match &(*ring).backend {
        Backend::Tap(t) => t.configure(addr, prefix),
        _ => -EINVAL,
    }
}

/// Writes the sizes and field offsets of netmap's structures, as this library
/// lays them out, into `out` (see `netmap::LAYOUT_NAMES` for the order).
/// Returns how many values were written.
///
/// # Safety
/// `out` must hold `cap` writable u32 values.
#[no_mangle]
pub unsafe extern "C" fn mtcp_shim_netmap_layout(out: *mut u32, cap: u32) -> u32 {
    let values = netmap::layout();
    let n = values.len().min(cap as usize);
    ptr::copy_nonoverlapping(values.as_ptr(), out, n);
    n as u32
}

/// Pins the calling thread (the JavaScript thread that makes this call: the
/// main one or a worker's) to CPU `cpu` with sched_setaffinity. Returns 0, or
/// the negative errno (EINVAL for a CPU the machine or the cgroup has not).
#[no_mangle]
pub extern "C" fn mtcp_shim_set_affinity(cpu: u32) -> i32 {
    if cpu >= 1024 {
        return -22; // EINVAL: past what one cpu_set_t holds
    }
    let mut mask = [0u64; 16]; // a glibc cpu_set_t: 1024 bits
    mask[(cpu / 64) as usize] = 1u64 << (cpu % 64);
    // SAFETY: a cpu_set_t-sized mask we own; pid 0 is the calling thread.
    let rc = unsafe { sched_setaffinity(0, core::mem::size_of_val(&mask), mask.as_ptr()) };
    if rc < 0 {
        -errno()
    } else {
        0
    }
}

fn close_backend(r: &mut Ring) {
    match &mut r.backend {
        Backend::Tap(t) => t.close(),
        Backend::Packet(p) => p.close(),
        Backend::Netmap(n) => n.close(),
        Backend::Xdp(x) => x.close(),
    }
}

/// Closes the device and releases all memory of the ring. A TAP this ring
/// created (not persistent) disappears with it.
///
/// # Safety
/// `ring` must be a live handle with no `mtcp_shim_wait` in progress; it is
/// invalid afterwards, and so is every view of its memory.
#[no_mangle]
pub unsafe extern "C" fn mtcp_shim_close(ring: *mut Ring) {
    if ring.is_null() {
        return;
    }
    let mut r = Box::from_raw(ring);
    close_backend(&mut r);
    if r.wake_fd >= 0 {
        close(r.wake_fd);
    }
}
