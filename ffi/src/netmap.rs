//! `netmap:IFNAME`: netmap's own ABI (struct nmreq and NIOCREGIF, one mmap of
//! /dev/netmap, NIOCRXSYNC/NIOCTXSYNC, poll), written against netmap's
//! published headers (sys/net/netmap.h and netmap_legacy.h, API 14).
//!
//! No machine this project is developed on has the netmap module, so this
//! backend has never run against real netmap: the structure layouts and
//! ioctl numbers are tested (`mtcp_shim_netmap_layout`), and opening fails
//! with a clear message when /dev/netmap is absent. Descriptors point into
//! netmap's own buffers; one hardware ring pair (ring 0) is used.

use crate::sys::*;
use crate::*;
use core::mem::{offset_of, size_of};

/// NETMAP_API of the headers this follows.
pub const NETMAP_API: u32 = 14;
/// NR_REG_ONE_NIC: bind one hardware ring pair, chosen by nr_ringid.
pub const NR_REG_ONE_NIC: u32 = 4;

/// `struct nmreq` (netmap_legacy.h).
#[repr(C)]
#[derive(Default)]
pub struct NmReq {
    pub nr_name: [u8; IFNAMSIZ],
    pub nr_version: u32,
    pub nr_offset: u32,
    pub nr_memsize: u32,
    pub nr_tx_slots: u32,
    pub nr_rx_slots: u32,
    pub nr_tx_rings: u16,
    pub nr_rx_rings: u16,
    pub nr_ringid: u16,
    pub nr_cmd: u16,
    pub nr_arg1: u16,
    pub nr_arg2: u16,
    pub nr_arg3: u32,
    pub nr_flags: u32,
    pub spare2: [u32; 1],
}

/// `struct netmap_if` up to its ring offsets (netmap.h).
#[repr(C)]
pub struct NetmapIf {
    pub ni_name: [u8; IFNAMSIZ],
    pub ni_version: u32,
    pub ni_flags: u32,
    pub ni_tx_rings: u32,
    pub ni_rx_rings: u32,
    pub ni_bufs_head: u32,
    pub ni_host_tx_rings: u32,
    pub ni_host_rx_rings: u32,
    pub ni_spare1: [u32; 3],
    pub ring_ofs: [i64; 0],
}

/// `struct timeval` as netmap_ring embeds it.
#[repr(C)]
pub struct Timeval {
    pub tv_sec: i64,
    pub tv_usec: i64,
}

/// `struct netmap_ring` (netmap.h): the slots follow `sem`, cache-aligned.
#[repr(C, align(128))]
pub struct NetmapRing {
    pub buf_ofs: i64,
    pub num_slots: u32,
    pub nr_buf_size: u32,
    pub ringid: u16,
    pub dir: u16,
    pub head: u32,
    pub cur: u32,
    pub tail: u32,
    pub flags: u32,
    pub ts: Timeval,
    pub offset_mask: u64,
    pub buf_align: u64,
    pub sem: Sem,
    pub slot: [NetmapSlot; 0],
}

/// The 128-byte, 128-aligned `sem` area.
#[repr(C, align(128))]
pub struct Sem(pub [u8; 128]);

/// `struct netmap_slot`.
#[repr(C)]
pub struct NetmapSlot {
    pub buf_idx: u32,
    pub len: u16,
    pub flags: u16,
    pub ptr: u64,
}

const fn iowr(ty: u8, nr: u8, size: usize) -> u64 {
    (3u64 << 30) | ((size as u64) << 16) | ((ty as u64) << 8) | nr as u64
}
const fn io(ty: u8, nr: u8) -> u64 {
    ((ty as u64) << 8) | nr as u64
}
/// `_IOWR('i', 145, struct nmreq)`.
pub const NIOCGINFO: u64 = iowr(b'i', 145, size_of::<NmReq>());
/// `_IOWR('i', 146, struct nmreq)`.
pub const NIOCREGIF: u64 = iowr(b'i', 146, size_of::<NmReq>());
/// `_IO('i', 148)`.
pub const NIOCTXSYNC: u64 = io(b'i', 148);
/// `_IO('i', 149)`.
pub const NIOCRXSYNC: u64 = io(b'i', 149);

/// The names of the values `layout()` returns, in order.
pub const LAYOUT_NAMES: [&str; 22] = [
    "sizeof nmreq",
    "nmreq.nr_version",
    "nmreq.nr_offset",
    "nmreq.nr_memsize",
    "nmreq.nr_tx_slots",
    "nmreq.nr_tx_rings",
    "nmreq.nr_ringid",
    "nmreq.nr_arg3",
    "nmreq.nr_flags",
    "netmap_if.ni_tx_rings",
    "netmap_if.ni_rx_rings",
    "netmap_if.ring_ofs",
    "netmap_ring.num_slots",
    "netmap_ring.head",
    "netmap_ring.cur",
    "netmap_ring.tail",
    "netmap_ring.ts",
    "netmap_ring.sem",
    "netmap_ring.slot",
    "sizeof netmap_slot",
    "NIOCREGIF",
    "NIOCRXSYNC",
];

/// Sizes, offsets and ioctl numbers as this library lays them out.
pub fn layout() -> Vec<u32> {
    vec![
        size_of::<NmReq>() as u32,
        offset_of!(NmReq, nr_version) as u32,
        offset_of!(NmReq, nr_offset) as u32,
        offset_of!(NmReq, nr_memsize) as u32,
        offset_of!(NmReq, nr_tx_slots) as u32,
        offset_of!(NmReq, nr_tx_rings) as u32,
        offset_of!(NmReq, nr_ringid) as u32,
        offset_of!(NmReq, nr_arg3) as u32,
        offset_of!(NmReq, nr_flags) as u32,
        offset_of!(NetmapIf, ni_tx_rings) as u32,
        offset_of!(NetmapIf, ni_rx_rings) as u32,
        offset_of!(NetmapIf, ring_ofs) as u32,
        offset_of!(NetmapRing, num_slots) as u32,
        offset_of!(NetmapRing, head) as u32,
        offset_of!(NetmapRing, cur) as u32,
        offset_of!(NetmapRing, tail) as u32,
        offset_of!(NetmapRing, ts) as u32,
        offset_of!(NetmapRing, sem) as u32,
        offset_of!(NetmapRing, slot) as u32,
        size_of::<NetmapSlot>() as u32,
        NIOCREGIF as u32,
        NIOCRXSYNC as u32,
    ]
}

pub(crate) struct Netmap {
    fd: i32,
    region: Region,
    rx_ring: *mut NetmapRing,
    tx_ring: *mut NetmapRing,
    rx_held: u32,
}

pub(crate) fn open(
    spec: &str,
    name: &str,
    _flags: u32,
    slots: u32,
    arena: usize,
) -> Result<Box<Ring>, OpenError> {
    let ifn = ifname(spec, name)?;
    // SAFETY: system calls on a descriptor we own; the mapping is read within
    // the offsets the kernel reported.
    unsafe {
        let fd = sys::open(c"/dev/netmap".as_ptr(), O_RDWR | O_CLOEXEC);
        if fd < 0 {
            let e = errno();
            if e == ENOENT || e == ENODEV || e == ENXIO {
                return Err(OpenError(format!(
                    "{spec}: /dev/netmap is absent: the netmap kernel module is not loaded \
                     (use tap:NAME or packet:IFNAME instead)"
                )));
            }
            return Err(privilege_error(
                spec,
                "cannot open /dev/netmap",
                e,
                "CAP_NET_ADMIN",
            ));
        }
        let mut req = NmReq {
            nr_name: ifn,
            nr_version: NETMAP_API,
            ..Default::default()
        };
        req.nr_flags = NR_REG_ONE_NIC;
        req.nr_ringid = 0;
        if ioctl(fd, NIOCREGIF as _, &mut req as *mut NmReq) < 0 {
            let e = errno();
            close(fd);
            return Err(OpenError(format!("{spec}: NIOCREGIF: {}", os_error(e))));
        }
        let mem_len = req.nr_memsize as usize;
        let region = Region::with_device(spec, arena, fd, mem_len)?;
        let mem = region.packets();
        let nifp = mem.add(req.nr_offset as usize) as *const NetmapIf;
        let ofs = core::ptr::addr_of!((*nifp).ring_ofs) as *const i64;
        let ntx = (*nifp).ni_tx_rings as usize;
        let nhost = (*nifp).ni_host_tx_rings as usize;
        // NETMAP_TXRING(nifp, 0) and NETMAP_RXRING(nifp, 0): receive ring
        // offsets follow the hardware and the host transmit rings.
        let tx_ring = (nifp as *mut u8).offset(*ofs as isize) as *mut NetmapRing;
        let rx_ring = (nifp as *mut u8).offset(*ofs.add(ntx + nhost) as isize) as *mut NetmapRing;
        let (mtu, mac) = interface_facts(&ifn);
        let desc = slots.min((*rx_ring).num_slots).min((*tx_ring).num_slots);
        let nm = Netmap {
            fd,
            region,
            rx_ring,
            tx_ring,
            rx_held: 0,
        };
        let mut ring = Ring::new(BACKEND_NETMAP, fd, desc, desc, Backend::Netmap(nm));
        if let Backend::Netmap(n) = &ring.backend {
            n.region.describe(&mut ring.info);
        }
        ring.info.slot_size = (*rx_ring).nr_buf_size;
        ring.info.mtu = mtu;
        ring.info.mac = mac;
        let Ring {
            info, tx, backend, ..
        } = &mut *ring;
        if let Backend::Netmap(n) = backend {
            n.refresh_tx(info, tx);
        }
        Ok(ring)
    }
}

impl Netmap {
    unsafe fn slot(ring: *mut NetmapRing, i: u32) -> *mut NetmapSlot {
        (core::ptr::addr_of_mut!((*ring).slot) as *mut NetmapSlot).add(i as usize)
    }

    unsafe fn buf_off(&self, ring: *mut NetmapRing, idx: u32) -> u32 {
        let b = (ring as *mut u8).offset((*ring).buf_ofs as isize);
        (b.add(idx as usize * (*ring).nr_buf_size as usize)
            .offset_from(self.region.base)) as u32
    }

    fn next(ring: *mut NetmapRing, i: u32, n: u32) -> u32 {
        // SAFETY: num_slots is read from a ring the kernel mapped.
        let slots = unsafe { (*ring).num_slots };
        (i + n) % slots
    }

    pub(crate) unsafe fn rx(&mut self, info: &mut RingInfo, rx: &mut [Desc], max: usize) -> i32 {
        let r = self.rx_ring;
        // Release the previous burst, then ask for more.
        let head = Self::next(r, (*r).head, self.rx_held);
        (*r).head = head;
        (*r).cur = head;
        self.rx_held = 0;
        if ioctl(self.fd, NIOCRXSYNC as _) < 0 {
            info.rx_errors += 1;
            info.last_errno = errno();
            return -info.last_errno;
        }
        let tail = (*r).tail;
        let mut i = head;
        let mut n = 0;
        while i != tail && n < max {
            let s = Self::slot(r, i);
            rx[n] = Desc {
                off: self.buf_off(r, (*s).buf_idx),
                len: (*s).len as u32,
                flags: 0,
                meta: 0,
            };
            info.rx_frames += 1;
            info.rx_bytes += (*s).len as u64;
            n += 1;
            i = Self::next(r, i, 1);
        }
        self.rx_held = n as u32;
        n as i32
    }

    unsafe fn refresh_tx(&mut self, info: &mut RingInfo, tx: &mut [Desc]) {
        let r = self.tx_ring;
        let mut i = (*r).head;
        let mut n = 0;
        while i != (*r).tail && n < tx.len() {
            let s = Self::slot(r, i);
            tx[n] = Desc {
                off: self.buf_off(r, (*s).buf_idx),
                len: 0,
                flags: 0,
                meta: 0,
            };
            n += 1;
            i = Self::next(r, i, 1);
        }
        info.tx_avail = n as u32;
    }

    pub(crate) unsafe fn tx(&mut self, info: &mut RingInfo, tx: &mut [Desc], n: usize) -> i32 {
        let r = self.tx_ring;
        let mut i = (*r).head;
        for d in tx.iter().take(n) {
            let s = Self::slot(r, i);
            (*s).len = d.len.min((*r).nr_buf_size) as u16;
            info.tx_frames += 1;
            info.tx_bytes += d.len as u64;
            i = Self::next(r, i, 1);
        }
        (*r).head = i;
        (*r).cur = i;
        if ioctl(self.fd, NIOCTXSYNC as _) < 0 {
            info.tx_errors += 1;
            info.last_errno = errno();
        }
        self.refresh_tx(info, tx);
        n as i32
    }

    pub(crate) fn close(&mut self) {
        // SAFETY: the mapping and descriptor are ours and released once.
        unsafe {
            self.region.release();
            if self.fd >= 0 {
                close(self.fd);
                self.fd = -1;
            }
        }
    }
}
