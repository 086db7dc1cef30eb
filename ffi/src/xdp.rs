//! `xdp:IFNAME`: an AF_XDP socket on queue 0 of an interface, without libbpf.
//!
//! What it sets up, with raw system calls:
//!
//! - an XSKMAP (`bpf(BPF_MAP_CREATE)`) and a five-instruction XDP program
//!   (`bpf(BPF_PROG_LOAD)`) that redirects every frame of a receive queue to
//!   the socket in the map at that queue's index, and passes it to the kernel
//!   when there is none;
//! - the program attached in generic (skb) mode with `bpf(BPF_LINK_CREATE)`,
//!   so it works on any interface (a veth included) and is detached when the
//!   link's descriptor is closed, by us or by the kernel when the process ends;
//! - the UMEM: the packet part of our [`Region`] (after the stack's arena),
//!   registered with `XDP_UMEM_REG`, in 2048-byte chunks: half of them lent
//!   to the kernel through the fill ring for receiving, half kept for sending;
//! - the fill, completion, receive and transmit rings, mapped at the offsets
//!   `XDP_MMAP_OFFSETS` gives, and the socket bound in copy mode.
//!
//! Receive descriptors point at the chunks the kernel filled; they go back to
//! the fill ring at the next receive or wait, as the ABI promises. Transmit
//! descriptors point at free chunks; a send puts them on the transmit ring and
//! kicks the kernel with `sendto`, and completed chunks come back to the free
//! list. All frames the interface receives on queue 0 come to us, ARP
//! included: the interface is ours, as with netmap.

use crate::sys::*;
use crate::*;
use core::ffi::c_void;
use core::sync::atomic::{AtomicU32, Ordering};

const AF_XDP: i32 = 44;
const SOL_XDP: i32 = 283;
const XDP_MMAP_OFFSETS: i32 = 1;
const XDP_RX_RING: i32 = 2;
const XDP_TX_RING: i32 = 3;
const XDP_UMEM_REG: i32 = 4;
const XDP_UMEM_FILL_RING: i32 = 5;
const XDP_UMEM_COMPLETION_RING: i32 = 6;
const XDP_STATISTICS: i32 = 7;
const XDP_COPY: u16 = 1 << 1;
const XDP_PGOFF_RX_RING: i64 = 0;
const XDP_PGOFF_TX_RING: i64 = 0x8000_0000;
const XDP_UMEM_PGOFF_FILL_RING: i64 = 0x1_0000_0000;
const XDP_UMEM_PGOFF_COMPLETION_RING: i64 = 0x1_8000_0000;

#[cfg(target_arch = "x86_64")]
const SYS_BPF: c_long_t = 321;
#[cfg(target_arch = "aarch64")]
const SYS_BPF: c_long_t = 280;
const BPF_MAP_CREATE: c_long_t = 0;
const BPF_MAP_UPDATE_ELEM: c_long_t = 2;
const BPF_PROG_LOAD: c_long_t = 5;
const BPF_LINK_CREATE: c_long_t = 28;
const BPF_MAP_TYPE_XSKMAP: u32 = 17;
const BPF_PROG_TYPE_XDP: u32 = 6;
const BPF_XDP: u32 = 37;
const XDP_FLAGS_SKB_MODE: u32 = 1 << 1;
const XDP_PASS: i32 = 2;
const BPF_FUNC_REDIRECT_MAP: i32 = 51;

extern "C" {
    fn syscall(number: c_long_t, ...) -> c_long_t;
    fn usleep(usec: u32) -> i32;
}

/// The size of `union bpf_attr` we pass: every field we use lies within it,
/// and the rest is zero, which the kernel requires.
const ATTR: usize = 128;

/// One `bpf()` call; returns the result or -errno.
unsafe fn bpf(cmd: c_long_t, attr: &[u8; ATTR]) -> i32 {
    let r = syscall(SYS_BPF, cmd, attr.as_ptr(), ATTR as u32);
    if r < 0 {
        -errno()
    } else {
        r as i32
    }
}

fn put32(a: &mut [u8; ATTR], at: usize, v: u32) {
    a[at..at + 4].copy_from_slice(&v.to_ne_bytes());
}

fn put64(a: &mut [u8; ATTR], at: usize, v: u64) {
    a[at..at + 8].copy_from_slice(&v.to_ne_bytes());
}

/// One instruction of the XDP program.
fn insn(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> u64 {
    let mut b = [0u8; 8];
    b[0] = code;
    b[1] = (src << 4) | dst;
    b[2..4].copy_from_slice(&off.to_ne_bytes());
    b[4..8].copy_from_slice(&imm.to_ne_bytes());
    u64::from_ne_bytes(b)
}

/// `return bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);`
fn program(map_fd: i32) -> [u64; 6] {
    [
        insn(0x61, 2, 1, 16, 0),       // r2 = *(u32 *)(r1 + 16): rx_queue_index
        insn(0x18, 1, 1, 0, map_fd),   // r1 = the map (BPF_PSEUDO_MAP_FD), 64-bit load...
        insn(0, 0, 0, 0, 0),           // ...second half
        insn(0xb7, 3, 0, 0, XDP_PASS), // r3 = XDP_PASS: the action when the slot is empty
        insn(0x85, 0, 0, 0, BPF_FUNC_REDIRECT_MAP), // call bpf_redirect_map
        insn(0x95, 0, 0, 0, 0),        // exit
    ]
}

#[repr(C)]
#[derive(Default, Clone, Copy)]
struct XdpRingOffset {
    producer: u64,
    consumer: u64,
    desc: u64,
    flags: u64,
}

#[repr(C)]
#[derive(Default)]
struct XdpMmapOffsets {
    rx: XdpRingOffset,
    tx: XdpRingOffset,
    fr: XdpRingOffset,
    cr: XdpRingOffset,
}

#[repr(C)]
struct XdpUmemReg {
    addr: u64,
    len: u64,
    chunk_size: u32,
    headroom: u32,
    flags: u32,
    tx_metadata_len: u32,
}

#[repr(C)]
struct SockaddrXdp {
    family: u16,
    flags: u16,
    ifindex: u32,
    queue_id: u32,
    shared_umem_fd: u32,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct XdpDesc {
    addr: u64,
    len: u32,
    options: u32,
}

#[repr(C)]
#[derive(Default)]
struct XdpStatistics {
    rx_dropped: u64,
    rx_invalid_descs: u64,
    tx_invalid_descs: u64,
    rx_ring_full: u64,
    rx_fill_ring_empty_descs: u64,
    tx_ring_empty_descs: u64,
}

/// One of the four mapped rings: producer and consumer indexes, descriptors.
struct XskRing {
    map: *mut u8,
    map_len: usize,
    producer: *const AtomicU32,
    consumer: *const AtomicU32,
    desc: *mut u8,
    mask: u32,
}

impl XskRing {
    unsafe fn map(
        fd: i32,
        off: &XdpRingOffset,
        entries: u32,
        desc_size: usize,
        pgoff: i64,
    ) -> Result<XskRing, i32> {
        let len = off.desc as usize + entries as usize * desc_size;
        let p = mmap(
            ptr::null_mut(),
            len,
            PROT_READ | PROT_WRITE,
            MAP_SHARED | MAP_POPULATE,
            fd,
            pgoff,
        );
        if p == MAP_FAILED {
            return Err(errno());
        }
        let base = p as *mut u8;
        Ok(XskRing {
            map: base,
            map_len: len,
            producer: base.add(off.producer as usize) as *const AtomicU32,
            consumer: base.add(off.consumer as usize) as *const AtomicU32,
            desc: base.add(off.desc as usize),
            mask: entries - 1,
        })
    }

    fn unmap(&mut self) {
        if !self.map.is_null() {
            // SAFETY: our own mapping, released once.
            unsafe { munmap(self.map as *mut c_void, self.map_len) };
            self.map = ptr::null_mut();
        }
    }

    #[inline]
    unsafe fn producer(&self) -> u32 {
        (*self.producer).load(Ordering::Acquire)
    }
    #[inline]
    unsafe fn consumer(&self) -> u32 {
        (*self.consumer).load(Ordering::Acquire)
    }
    #[inline]
    unsafe fn set_producer(&self, v: u32) {
        (*self.producer).store(v, Ordering::Release)
    }
    #[inline]
    unsafe fn set_consumer(&self, v: u32) {
        (*self.consumer).store(v, Ordering::Release)
    }
    #[inline]
    unsafe fn addr_slot(&self, i: u32) -> *mut u64 {
        (self.desc as *mut u64).add((i & self.mask) as usize)
    }
    #[inline]
    unsafe fn desc_slot(&self, i: u32) -> *mut XdpDesc {
        (self.desc as *mut XdpDesc).add((i & self.mask) as usize)
    }
}

pub(crate) struct Xdp {
    fd: i32,
    map_fd: i32,
    prog_fd: i32,
    link_fd: i32,
    ifname: [u8; IFNAMSIZ],
    region: Region,
    chunk: u64,
    fill: XskRing,
    comp: XskRing,
    rxr: XskRing,
    txr: XskRing,
    held: Vec<u64>, // chunks of the last receive burst, back to the fill ring at the next one
    free: Vec<u64>, // chunks free for sending
}

/// Closes every descriptor that is open (>= 0).
unsafe fn close_all(fds: &[i32]) {
    for &fd in fds {
        if fd >= 0 {
            close(fd);
        }
    }
}

pub(crate) fn open(
    spec: &str,
    name: &str,
    _flags: u32,
    slots: u32,
    arena: usize,
) -> Result<Box<Ring>, OpenError> {
    let ifn = ifname(spec, name)?;
    // SAFETY: system calls on descriptors and memory this function owns; every
    // failure path closes what was opened so far.
    unsafe {
        let ifindex = if_nametoindex(ifn.as_ptr() as *const core::ffi::c_char);
        if ifindex == 0 {
            return Err(OpenError(format!("{spec}: no such interface")));
        }
        let entries = slots.next_power_of_two();
        let chunk: u64 = 2048;
        let frames = 2 * entries as u64;

        let mut a = [0u8; ATTR];
        put32(&mut a, 0, BPF_MAP_TYPE_XSKMAP);
        put32(&mut a, 4, 4); // key: the queue index
        put32(&mut a, 8, 4); // value: the socket
        put32(&mut a, 12, 64); // queues
        let map_fd = bpf(BPF_MAP_CREATE, &a);
        if map_fd < 0 {
            return Err(privilege_error(
                spec,
                "cannot create the XSKMAP",
                -map_fd,
                "CAP_NET_ADMIN (with CAP_BPF)",
            ));
        }
        let insns = program(map_fd);
        let license = b"GPL\0";
        let mut a = [0u8; ATTR];
        put32(&mut a, 0, BPF_PROG_TYPE_XDP);
        put32(&mut a, 4, insns.len() as u32);
        put64(&mut a, 8, insns.as_ptr() as u64);
        put64(&mut a, 16, license.as_ptr() as u64);
        a[48..56].copy_from_slice(b"mtcp_xsk");
        put32(&mut a, 68, BPF_XDP);
        let prog_fd = bpf(BPF_PROG_LOAD, &a);
        if prog_fd < 0 {
            close_all(&[map_fd]);
            return Err(privilege_error(
                spec,
                "cannot load the XDP program",
                -prog_fd,
                "CAP_NET_ADMIN (with CAP_BPF)",
            ));
        }

        let fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
        if fd < 0 {
            let e = errno();
            close_all(&[prog_fd, map_fd]);
            return Err(privilege_error(
                spec,
                "cannot open an AF_XDP socket",
                e,
                "CAP_NET_RAW",
            ));
        }
        let fail = |what: &str, e: i32, extra: &[i32]| -> OpenError {
            close_all(extra);
            close_all(&[fd, prog_fd, map_fd]);
            OpenError(format!("{spec}: {what}: {}", os_error(e)))
        };
        let mut region = match Region::reserve(arena, (frames * chunk) as usize) {
            Ok(r) => r,
            Err(e) => return Err(fail("cannot reserve memory", e, &[])),
        };
        let reg = XdpUmemReg {
            addr: region.packets() as u64,
            len: frames * chunk,
            chunk_size: chunk as u32,
            headroom: 0,
            flags: 0,
            tx_metadata_len: 0,
        };
        let setopt = |name: i32, p: *const c_void, len: usize| {
            setsockopt(fd, SOL_XDP, name, p, len as u32) == 0
        };
        if !setopt(
            XDP_UMEM_REG,
            &reg as *const XdpUmemReg as *const c_void,
            core::mem::size_of::<XdpUmemReg>(),
        ) {
            let e = errno();
            region.release();
            return Err(fail("cannot register the UMEM", e, &[]));
        }
        let n = entries;
        for opt in [
            XDP_UMEM_FILL_RING,
            XDP_UMEM_COMPLETION_RING,
            XDP_RX_RING,
            XDP_TX_RING,
        ] {
            if !setopt(opt, &n as *const u32 as *const c_void, 4) {
                let e = errno();
                region.release();
                return Err(fail("cannot size the rings", e, &[]));
            }
        }
        let mut off = XdpMmapOffsets::default();
        let mut len = core::mem::size_of::<XdpMmapOffsets>() as u32;
        if getsockopt(
            fd,
            SOL_XDP,
            XDP_MMAP_OFFSETS,
            &mut off as *mut XdpMmapOffsets as *mut c_void,
            &mut len,
        ) != 0
        {
            let e = errno();
            region.release();
            return Err(fail("cannot read the ring offsets", e, &[]));
        }
        let mapped = (|| -> Result<[XskRing; 4], i32> {
            Ok([
                XskRing::map(fd, &off.fr, n, 8, XDP_UMEM_PGOFF_FILL_RING)?,
                XskRing::map(fd, &off.cr, n, 8, XDP_UMEM_PGOFF_COMPLETION_RING)?,
                XskRing::map(fd, &off.rx, n, 16, XDP_PGOFF_RX_RING)?,
                XskRing::map(fd, &off.tx, n, 16, XDP_PGOFF_TX_RING)?,
            ])
        })();
        let [fill, comp, rxr, txr] = match mapped {
            Ok(r) => r,
            Err(e) => {
                region.release();
                return Err(fail("cannot map the rings", e, &[]));
            }
        };
        // The first half of the chunks receive; the second half send.
        let mut prod = fill.producer();
        for i in 0..entries as u64 {
            *fill.addr_slot(prod) = i * chunk;
            prod = prod.wrapping_add(1);
        }
        fill.set_producer(prod);
        let free: Vec<u64> = (entries as u64..frames).map(|i| i * chunk).collect();

        let sa = SockaddrXdp {
            family: AF_XDP as u16,
            flags: XDP_COPY,
            ifindex,
            queue_id: 0,
            shared_umem_fd: 0,
        };
        let mut x = Xdp {
            fd,
            map_fd,
            prog_fd,
            link_fd: -1,
            ifname: ifn,
            region,
            chunk,
            fill,
            comp,
            rxr,
            txr,
            held: Vec::with_capacity(entries as usize),
            free,
        };
        // A queue we held a moment ago is freed by the kernel in the
        // background: a bind right after our own close can see it busy.
        // A queue we held a moment ago is freed by the kernel in the
        // background: a bind right after our own close can find it busy.
        let mut rc = -1;
        let mut e = 0;
        for attempt in 0..50 {
            if attempt > 0 {
                usleep(10_000);
            }
            rc = bind(
                fd,
                &sa as *const SockaddrXdp as *const c_void,
                core::mem::size_of::<SockaddrXdp>() as u32,
            );
            if rc == 0 {
                break;
            }
            e = errno();
            if e != EBUSY {
                break;
            }
        }
        if rc < 0 {
            x.close();
            return Err(OpenError(format!(
                "{spec}: cannot bind the AF_XDP socket: {}",
                os_error(e)
            )));
        }
        let key: u32 = 0;
        let value: u32 = fd as u32;
        let mut a = [0u8; ATTR];
        put32(&mut a, 0, map_fd as u32);
        put64(&mut a, 8, &key as *const u32 as u64);
        put64(&mut a, 16, &value as *const u32 as u64);
        let rc = bpf(BPF_MAP_UPDATE_ELEM, &a);
        if rc < 0 {
            x.close();
            return Err(OpenError(format!(
                "{spec}: cannot put the socket in the XSKMAP: {}",
                os_error(-rc)
            )));
        }
        let mut a = [0u8; ATTR];
        put32(&mut a, 0, prog_fd as u32);
        put32(&mut a, 4, ifindex);
        put32(&mut a, 8, BPF_XDP);
        put32(&mut a, 12, XDP_FLAGS_SKB_MODE);
        let link = bpf(BPF_LINK_CREATE, &a);
        if link < 0 {
            x.close();
            return Err(OpenError(format!(
                "{spec}: cannot attach the XDP program (another may be attached): {}",
                os_error(-link)
            )));
        }
        x.link_fd = link;
        let (mtu, mac) = interface_facts(&ifn);
        let mut ring = Ring::new(BACKEND_XDP, fd, entries, entries, Backend::Xdp(x));
        let Ring {
            info, tx, backend, ..
        } = &mut *ring;
        if let Backend::Xdp(x) = backend {
            x.region.describe(info);
            info.slot_size = chunk as u32;
            info.mtu = mtu;
            info.mac = mac;
            x.refresh_tx(info, tx);
        }
        Ok(ring)
    }
}

impl Xdp {
    /// Gives the chunks of the last receive burst back to the fill ring.
    pub(crate) fn release(&mut self) {
        if self.held.is_empty() {
            return;
        }
        // SAFETY: the fill ring is mapped while the socket lives; it has room
        // for every receive chunk, and only these were taken from it.
        unsafe {
            let mut prod = self.fill.producer();
            for &addr in &self.held {
                *self.fill.addr_slot(prod) = addr;
                prod = prod.wrapping_add(1);
            }
            self.fill.set_producer(prod);
        }
        self.held.clear();
    }

    pub(crate) unsafe fn rx(&mut self, info: &mut RingInfo, rx: &mut [Desc], max: usize) -> i32 {
        self.release();
        let cons = self.rxr.consumer();
        let avail = self.rxr.producer().wrapping_sub(cons) as usize;
        let n = avail.min(max);
        for (i, d) in rx.iter_mut().enumerate().take(n) {
            let x = *self.rxr.desc_slot(cons.wrapping_add(i as u32));
            self.held.push(x.addr & !(self.chunk - 1));
            *d = Desc {
                off: (self.region.arena as u64 + x.addr) as u32,
                len: x.len,
                flags: 0,
                meta: 0,
            };
            info.rx_frames += 1;
            info.rx_bytes += x.len as u64;
        }
        self.rxr.set_consumer(cons.wrapping_add(n as u32));
        n as i32
    }

    /// Takes back completed chunks and offers free ones as transmit descriptors.
    unsafe fn refresh_tx(&mut self, info: &mut RingInfo, tx: &mut [Desc]) {
        let cons = self.comp.consumer();
        let done = self.comp.producer().wrapping_sub(cons);
        for i in 0..done {
            self.free.push(*self.comp.addr_slot(cons.wrapping_add(i)));
        }
        self.comp.set_consumer(cons.wrapping_add(done));
        let room = (self.txr.mask + 1) - self.txr.producer().wrapping_sub(self.txr.consumer());
        let avail = self.free.len().min(tx.len()).min(room as usize);
        let top = self.free.len();
        for (i, d) in tx.iter_mut().enumerate().take(avail) {
            *d = Desc {
                off: (self.region.arena as u64 + self.free[top - 1 - i]) as u32,
                len: 0,
                flags: 0,
                meta: 0,
            };
        }
        info.tx_avail = avail as u32;
    }

    pub(crate) unsafe fn tx(&mut self, info: &mut RingInfo, tx: &mut [Desc], n: usize) -> i32 {
        let limit = info.slot_size;
        let mut prod = self.txr.producer();
        for d in tx.iter().take(n) {
            let addr = self.free.pop().unwrap_or(0);
            let len = d.len.min(limit);
            *self.txr.desc_slot(prod) = XdpDesc {
                addr,
                len,
                options: 0,
            };
            prod = prod.wrapping_add(1);
            info.tx_frames += 1;
            info.tx_bytes += len as u64;
        }
        let mut rc = n as i32;
        if n > 0 {
            self.txr.set_producer(prod);
        }
        // Copy mode sends only when asked; ask again while frames of an
        // earlier burst are still on the ring (the queue was busy).
        if n > 0 || self.txr.consumer() != prod {
            let r = sendto(self.fd, ptr::null(), 0, MSG_DONTWAIT, ptr::null(), 0);
            if r < 0 {
                let e = errno();
                if e != EAGAIN && e != ENOBUFS && e != EBUSY {
                    info.tx_errors += 1;
                    info.last_errno = e;
                    if e == ENXIO || e == ENODEV || e == ENETDOWN {
                        info.features |= FEATURE_GONE;
                        rc = -e;
                    }
                }
            }
        }
        self.refresh_tx(info, tx);
        rc
    }

    /// True when the interface is gone.
    pub(crate) fn gone(&self) -> bool {
        // SAFETY: the name is NUL-terminated.
        unsafe { if_nametoindex(self.ifname.as_ptr() as *const core::ffi::c_char) == 0 }
    }

    /// Folds the socket's drop counters into the info block.
    pub(crate) fn stats(&mut self, info: &mut RingInfo) {
        let mut s = XdpStatistics::default();
        let mut len = core::mem::size_of::<XdpStatistics>() as u32;
        // SAFETY: a getsockopt into a buffer of the size passed.
        let ok = unsafe {
            getsockopt(
                self.fd,
                SOL_XDP,
                XDP_STATISTICS,
                &mut s as *mut XdpStatistics as *mut c_void,
                &mut len,
            )
        } == 0;
        if ok {
            info.rx_dropped = s.rx_dropped + s.rx_ring_full + s.rx_invalid_descs;
        }
    }

    pub(crate) fn close(&mut self) {
        for r in [&mut self.fill, &mut self.comp, &mut self.rxr, &mut self.txr] {
            r.unmap();
        }
        // SAFETY: descriptors this backend opened, each closed once; closing
        // the link detaches the program.
        unsafe { close_all(&[self.link_fd, self.fd, self.prog_fd, self.map_fd]) };
        self.link_fd = -1;
        self.fd = -1;
        self.prog_fd = -1;
        self.map_fd = -1;
        self.region.release();
    }
}
