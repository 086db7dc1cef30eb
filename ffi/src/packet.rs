//! `packet:IFNAME`: AF_PACKET with TPACKET_V2 receive and transmit rings
//! (PACKET_MMAP) and PACKET_QDISC_BYPASS, on any interface.
//!
//! The packet memory is the kernel's own ring mapping (receive ring, then
//! transmit ring): descriptors point straight into it, nothing is copied.
//! Not TPACKET_V3: it hands frames over only when a block fills or its timer
//! fires, which measured as a 1 ms ping round trip. Frames from a veth carry
//! partial checksums (TP_STATUS_CSUMNOTREADY): the descriptor says so instead
//! of the frame being dropped as corrupt.

use crate::sys::*;
use crate::*;
use core::ffi::c_void;
use core::sync::atomic::{fence, Ordering};

/// TPACKET2_HDRLEN - sizeof(sockaddr_ll): where transmit data starts without PACKET_TX_HAS_OFF.
const TX_DATA_MIN: usize = 32;
/// With PACKET_TX_HAS_OFF: 34 puts the IPv4 header on a 4-byte boundary.
const TX_DATA_ALIGNED: usize = 34;

pub(crate) struct Packet {
    fd: i32,
    ifname: [u8; IFNAMSIZ],
    region: Region,
    map: *mut u8, // the kernel's rings: region.packets()
    frame_size: usize,
    frames: usize,
    tx_base: usize, // offset of the transmit ring in the mapping
    tx_data: usize,
    rx_head: usize,
    rx_held_start: usize,
    rx_held: usize,
    tx_head: usize,
}

fn setopt(fd: i32, name: i32, value: i32) -> bool {
    // SAFETY: setsockopt reads four bytes we own.
    unsafe {
        setsockopt(
            fd,
            SOL_PACKET,
            name,
            &value as *const i32 as *const c_void,
            4,
        ) == 0
    }
}

pub(crate) fn open(
    spec: &str,
    name: &str,
    flags: u32,
    slots: u32,
    arena: usize,
) -> Result<Box<Ring>, OpenError> {
    let ifn = ifname(spec, name)?;
    // SAFETY: plain system calls on descriptors we own, with buffers we own.
    unsafe {
        let ifindex = if_nametoindex(ifn.as_ptr() as *const i8);
        if ifindex == 0 {
            return Err(OpenError(format!("{spec}: no such interface")));
        }
        // Protocol 0: nothing arrives until the rings are set up and bound.
        let fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(privilege_error(
                spec,
                "cannot open a packet socket",
                errno(),
                "CAP_NET_RAW",
            ));
        }
        let fail = |what: &str| -> OpenError {
            let e = errno();
            close(fd);
            OpenError(format!("{spec}: {what}: {}", os_error(e)))
        };
        if !setopt(fd, PACKET_VERSION, TPACKET_V2) {
            return Err(fail("TPACKET_V2 is not supported"));
        }
        // Our own transmissions are not to come back on the receive ring.
        setopt(fd, PACKET_IGNORE_OUTGOING, 1);
        let bypass = flags & OPEN_NO_QDISC_BYPASS == 0 && setopt(fd, PACKET_QDISC_BYPASS, 1);
        let has_off = setopt(fd, PACKET_TX_HAS_OFF, 1);
        let (mtu, mac) = interface_facts(&ifn);
        // Receive data starts at TPACKET_ALIGN(TPACKET2_HDRLEN + 16) - 14 = 66.
        let need = 80 + mtu as usize + 4;
        let frame_size = need.next_power_of_two().max(2048);
        let block_size = frame_size.max(1 << 16);
        let per_block = block_size / frame_size;
        let blocks = (slots as usize).div_ceil(per_block);
        let frames = blocks * per_block;
        let req = tpacket_req {
            tp_block_size: block_size as u32,
            tp_block_nr: blocks as u32,
            tp_frame_size: frame_size as u32,
            tp_frame_nr: frames as u32,
        };
        let size = core::mem::size_of::<tpacket_req>() as u32;
        let p = &req as *const tpacket_req as *const c_void;
        if setsockopt(fd, SOL_PACKET, PACKET_RX_RING, p, size) < 0 {
            return Err(fail("cannot set up the receive ring"));
        }
        if setsockopt(fd, SOL_PACKET, PACKET_TX_RING, p, size) < 0 {
            return Err(fail("cannot set up the transmit ring"));
        }
        let ring_len = block_size * blocks;
        let map_len = ring_len * 2;
        let mut region = Region::with_device(spec, arena, fd, map_len)?;
        let map = region.packets();
        let addr = sockaddr_ll {
            sll_family: AF_PACKET as u16,
            sll_protocol: ETH_P_ALL.to_be(),
            sll_ifindex: ifindex as i32,
            sll_hatype: 0,
            sll_pkttype: 0,
            sll_halen: 0,
            sll_addr: [0; 8],
        };
        let len = core::mem::size_of::<sockaddr_ll>() as u32;
        if bind(fd, &addr as *const sockaddr_ll as *const c_void, len) < 0 {
            let e = errno();
            region.release();
            close(fd);
            return Err(OpenError(format!("{spec}: cannot bind: {}", os_error(e))));
        }
        let p = Packet {
            fd,
            ifname: ifn,
            region,
            map,
            frame_size,
            frames,
            tx_base: ring_len,
            tx_data: if has_off {
                TX_DATA_ALIGNED
            } else {
                TX_DATA_MIN
            },
            rx_head: 0,
            rx_held_start: 0,
            rx_held: 0,
            tx_head: 0,
        };
        let desc = (slots as usize).min(frames) as u32;
        let mut ring = Ring::new(BACKEND_PACKET, fd, desc, desc, Backend::Packet(p));
        if let Backend::Packet(p) = &ring.backend {
            p.region.describe(&mut ring.info);
        }
        ring.info.slot_size = (frame_size - TX_DATA_ALIGNED.max(66)) as u32;
        ring.info.mtu = mtu;
        ring.info.mac = mac;
        ring.info.features = (if bypass { FEATURE_QDISC_BYPASS } else { 0 })
            | (if has_off { FEATURE_TX_HAS_OFF } else { 0 });
        let Ring {
            info, tx, backend, ..
        } = &mut *ring;
        if let Backend::Packet(p) = backend {
            p.refresh_tx(info, tx);
        }
        Ok(ring)
    }
}

impl Packet {
    #[inline]
    unsafe fn hdr(&self, offset: usize) -> *mut tpacket2_hdr {
        self.map.add(offset) as *mut tpacket2_hdr
    }

    #[inline]
    unsafe fn status(h: *mut tpacket2_hdr) -> u32 {
        let s = core::ptr::read_volatile(core::ptr::addr_of!((*h).tp_status));
        fence(Ordering::Acquire);
        s
    }

    #[inline]
    unsafe fn set_status(h: *mut tpacket2_hdr, s: u32) {
        fence(Ordering::Release);
        core::ptr::write_volatile(core::ptr::addr_of_mut!((*h).tp_status), s);
    }

    /// Hands the frames of the previous receive burst back to the kernel.
    pub(crate) fn release(&mut self) {
        let mut i = self.rx_held_start;
        for _ in 0..self.rx_held {
            // SAFETY: `i` is a frame index of the receive ring we mapped.
            unsafe { Self::set_status(self.hdr(i * self.frame_size), TP_STATUS_KERNEL) };
            i = (i + 1) % self.frames;
        }
        self.rx_held = 0;
        self.rx_held_start = self.rx_head;
    }

    pub(crate) unsafe fn rx(&mut self, info: &mut RingInfo, rx: &mut [Desc], max: usize) -> i32 {
        self.release();
        let mut n = 0;
        while n < max {
            let off = self.rx_head * self.frame_size;
            let h = self.hdr(off);
            let status = Self::status(h);
            if status & TP_STATUS_USER == 0 {
                break;
            }
            let snap = (*h).tp_snaplen;
            let mac = (*h).tp_mac as usize;
            self.rx_head = (self.rx_head + 1) % self.frames;
            self.rx_held += 1;
            if status & TP_STATUS_COPY != 0 || snap < (*h).tp_len {
                // Truncated (a super-frame from GRO/TSO): the stack cannot use it.
                info.rx_dropped += 1;
                continue;
            }
            let mut flags = 0;
            if status & TP_STATUS_CSUMNOTREADY != 0 {
                flags |= DESC_CSUM_PARTIAL;
            }
            if status & TP_STATUS_CSUM_VALID != 0 {
                flags |= DESC_CSUM_VALID;
            }
            rx[n] = Desc {
                off: (self.region.arena + off + mac) as u32,
                len: snap,
                flags,
                meta: 0,
            };
            info.rx_frames += 1;
            info.rx_bytes += snap as u64;
            n += 1;
        }
        if n == 0 && self.rx_held > 0 {
            self.release(); // only truncated frames: give them back now
        }
        n as i32
    }

    unsafe fn refresh_tx(&mut self, info: &mut RingInfo, tx: &mut [Desc]) {
        let mut avail = 0;
        let mut i = self.tx_head;
        while avail < tx.len() {
            let off = self.tx_base + i * self.frame_size;
            let h = self.hdr(off);
            let mut status = Self::status(h);
            if status == TP_STATUS_WRONG_FORMAT {
                info.tx_errors += 1;
                Self::set_status(h, TP_STATUS_AVAILABLE);
                status = TP_STATUS_AVAILABLE;
            }
            if status != TP_STATUS_AVAILABLE {
                break;
            }
            tx[avail] = Desc {
                off: (self.region.arena + off + self.tx_data) as u32,
                len: 0,
                flags: 0,
                meta: 0,
            };
            avail += 1;
            i = (i + 1) % self.frames;
        }
        info.tx_avail = avail as u32;
    }

    pub(crate) unsafe fn tx(&mut self, info: &mut RingInfo, tx: &mut [Desc], n: usize) -> i32 {
        let limit = info.slot_size;
        for d in tx.iter().take(n) {
            let off = self.tx_base + self.tx_head * self.frame_size;
            let h = self.hdr(off);
            let len = d.len.min(limit);
            (*h).tp_len = len;
            (*h).tp_snaplen = len;
            (*h).tp_mac = self.tx_data as u16;
            (*h).tp_net = self.tx_data as u16 + 14;
            Self::set_status(h, TP_STATUS_SEND_REQUEST);
            self.tx_head = (self.tx_head + 1) % self.frames;
            info.tx_frames += 1;
            info.tx_bytes += len as u64;
        }
        let mut rc = n as i32;
        if n > 0 {
            let r = sendto(
                self.fd,
                core::ptr::null(),
                0,
                MSG_DONTWAIT,
                core::ptr::null(),
                0,
            );
            if r < 0 {
                let e = errno();
                if e != EAGAIN && e != ENOBUFS {
                    info.tx_errors += 1;
                    info.last_errno = e;
                    if e == ENXIO || e == ENODEV {
                        info.features |= FEATURE_GONE;
                        rc = -e;
                    }
                }
            }
        }
        self.refresh_tx(info, tx);
        rc
    }

    /// Reads (and so clears) the socket's pending error; true when the
    /// interface is gone for good.
    pub(crate) fn take_error(&mut self, info: &mut RingInfo) -> bool {
        let mut e: i32 = 0;
        let mut len = 4u32;
        // SAFETY: getsockopt writes four bytes into `e`.
        unsafe {
            getsockopt(
                self.fd,
                SOL_SOCKET,
                SO_ERROR,
                &mut e as *mut i32 as *mut c_void,
                &mut len,
            );
        }
        if e != 0 {
            info.last_errno = e;
        }
        // SAFETY: the name is NUL-terminated (IFNAMSIZ with a shorter name).
        unsafe { if_nametoindex(self.ifname.as_ptr() as *const core::ffi::c_char) == 0 }
    }

    pub(crate) fn stats(&mut self, info: &mut RingInfo) {
        let mut s = tpacket_stats {
            tp_packets: 0,
            tp_drops: 0,
        };
        let mut len = core::mem::size_of::<tpacket_stats>() as u32;
        // SAFETY: getsockopt writes at most `len` bytes into `s`.
        let ok = unsafe {
            getsockopt(
                self.fd,
                SOL_PACKET,
                PACKET_STATISTICS,
                &mut s as *mut tpacket_stats as *mut c_void,
                &mut len,
            )
        } == 0;
        if ok {
            info.rx_dropped += s.tp_drops as u64;
        }
    }

    pub(crate) fn close(&mut self) {
        // SAFETY: the mapping and descriptor are ours and released once.
        unsafe {
            self.region.release();
            self.map = core::ptr::null_mut();
            if self.fd >= 0 {
                close(self.fd);
                self.fd = -1;
            }
        }
    }
}
