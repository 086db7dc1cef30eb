//! `tap:NAME`: a TAP device through /dev/net/tun (IFF_TAP, IFF_NO_PI), with
//! IFF_VNET_HDR (checksum offload and TSO/GRO super-frames) and
//! IFF_MULTI_QUEUE (one queue per open) when asked.
//!
//! Packet memory is the shim's own: receive slots then transmit slots. A
//! frame starts 18 bytes into its slot, so its IPv4 header is 4-byte aligned
//! and the 10-byte virtio header fits in front of it.

use crate::sys::*;
use crate::*;
use core::ffi::c_void;

/// Bytes before a frame in its slot.
const HEADROOM: usize = 18;
const VNET_LEN: usize = core::mem::size_of::<virtio_net_hdr>();
/// The kernel side's transmit queue (towards us) when we configure it.
const TAP_TX_QUEUE_LEN: i32 = 8192;

pub(crate) struct Tap {
    fd: i32,
    name: [u8; IFNAMSIZ],
    vnet: bool,
    region: Region,
    mem: *mut u8, // packet slots: region.packets()
    stride: usize,
    slot_size: usize,
    rx_slots: usize,
}

pub(crate) fn open(
    spec: &str,
    name: &str,
    flags: u32,
    slots: u32,
    arena: usize,
) -> Result<Box<Ring>, OpenError> {
    let ifn = ifname(spec, name)?;
    let vnet = flags & OPEN_VNET_HDR != 0;
    let tso = vnet && flags & OPEN_TSO != 0;
    let mq = flags & OPEN_MULTI_QUEUE != 0;
    // SAFETY: plain system calls on descriptors we own, with buffers we own.
    unsafe {
        let existed = if_nametoindex(ifn.as_ptr() as *const i8) != 0;
        let fd = sys::open(c"/dev/net/tun".as_ptr(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if fd < 0 {
            let e = errno();
            if e == ENOENT || e == ENODEV || e == ENXIO {
                return Err(OpenError(format!(
                    "{spec}: /dev/net/tun is absent (load the tun module: modprobe tun)"
                )));
            }
            return Err(privilege_error(
                spec,
                "cannot open /dev/net/tun",
                e,
                "CAP_NET_ADMIN",
            ));
        }
        let mut req = ifreq::named(&ifn[..name.len()]);
        let mut f = IFF_TAP | IFF_NO_PI;
        if vnet {
            f |= IFF_VNET_HDR;
        }
        if mq {
            f |= IFF_MULTI_QUEUE;
        }
        req.set_short(f);
        if ioctl(fd, TUNSETIFF, &mut req as *mut ifreq) < 0 {
            let e = errno();
            close(fd);
            if e == EBUSY {
                return Err(OpenError(format!(
                    "{spec}: the device is busy (open by another program, or not a TAP; \
                     a multi-queue TAP must be opened with multi-queue)"
                )));
            }
            if e == EINVAL && existed {
                return Err(OpenError(format!(
                    "{spec}: an interface of that name exists and is not a TAP with these flags"
                )));
            }
            return Err(privilege_error(
                spec,
                "cannot attach the TAP",
                e,
                "CAP_NET_ADMIN",
            ));
        }
        // Offloads persist on a TAP: set them on every open, off unless asked.
        let offload = if vnet {
            TUN_F_CSUM | if tso { TUN_F_TSO4 } else { 0 }
        } else {
            0
        };
        if vnet {
            let len = VNET_LEN as i32;
            ioctl(fd, TUNSETVNETHDRSZ, &len as *const i32);
        }
        if ioctl(fd, TUNSETOFFLOAD, offload) < 0 && offload != 0 {
            let e = errno();
            close(fd);
            return Err(OpenError(format!(
                "{spec}: cannot set offloads: {}",
                os_error(e)
            )));
        }
        let (mtu, _) = interface_facts(&ifn);
        let slot_size = if tso {
            65535 + 14 + 4
        } else {
            mtu as usize + 14 + 4
        };
        let stride = (slot_size + HEADROOM + 63) & !63;
        let region = match Region::reserve(arena, stride * 2 * slots as usize) {
            Ok(r) => r,
            Err(e) => {
                close(fd);
                return Err(OpenError(format!(
                    "{spec}: cannot map packet memory: {}",
                    os_error(e)
                )));
            }
        };
        let base = region.arena;
        let mem = region.packets();
        let tap = Tap {
            fd,
            name: ifn,
            vnet,
            region,
            mem,
            stride,
            slot_size,
            rx_slots: slots as usize,
        };
        let mut ring = Ring::new(BACKEND_TAP, fd, slots, slots, Backend::Tap(tap));
        if let Backend::Tap(t) = &ring.backend {
            t.region.describe(&mut ring.info);
        }
        ring.info.slot_size = slot_size as u32;
        ring.info.mtu = mtu;
        ring.info.features = (if vnet { FEATURE_VNET_HDR } else { 0 })
            | (if mq { FEATURE_MULTI_QUEUE } else { 0 })
            | (if existed { 0 } else { FEATURE_CREATED })
            | (if tso { FEATURE_TSO } else { 0 });
        // Transmit slots never move on a TAP: describe them once.
        let tx_base = base + slots as usize * stride;
        for (i, d) in ring.tx.iter_mut().enumerate() {
            *d = Desc {
                off: (tx_base + i * stride + HEADROOM) as u32,
                len: 0,
                flags: 0,
                meta: 0,
            };
        }
        ring.info.tx_avail = slots;
        Ok(ring)
    }
}

impl Tap {
    pub(crate) unsafe fn rx(&mut self, info: &mut RingInfo, rx: &mut [Desc], max: usize) -> i32 {
        if info.features & FEATURE_GONE != 0 {
            return -ENETDOWN;
        }
        let lead = if self.vnet { VNET_LEN } else { 0 };
        let mut n = 0;
        while n < max.min(self.rx_slots) {
            let frame = n * self.stride + HEADROOM;
            let start = self.mem.add(frame - lead);
            let got = read(self.fd, start as *mut c_void, self.slot_size + lead);
            if got < 0 {
                let e = errno();
                if e == EAGAIN || e == EINTR {
                    break;
                }
                info.rx_errors += 1;
                info.last_errno = e;
                if e == EBADFD || e == ENODEV {
                    info.features |= FEATURE_GONE;
                }
                break;
            }
            let got = got as usize;
            if got <= lead {
                info.rx_errors += 1; // a short read: nothing to lend
                continue;
            }
            let mut flags = 0u32;
            let mut meta = 0u32;
            if self.vnet {
                let h = core::ptr::read_unaligned(start as *const virtio_net_hdr);
                if h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM != 0 {
                    flags |= DESC_CSUM_PARTIAL;
                    meta = h.csum_start as u32 | (h.csum_offset as u32) << 16;
                }
                if h.flags & VIRTIO_NET_HDR_F_DATA_VALID != 0 {
                    flags |= DESC_CSUM_VALID;
                }
                if h.gso_type != VIRTIO_NET_HDR_GSO_NONE {
                    flags |= (h.gso_type as u32) << 8 | (h.gso_size as u32) << 16;
                }
            }
            rx[n] = Desc {
                off: (self.region.arena + frame) as u32,
                len: (got - lead) as u32,
                flags,
                meta,
            };
            info.rx_frames += 1;
            info.rx_bytes += (got - lead) as u64;
            n += 1;
        }
        n as i32
    }

    pub(crate) unsafe fn tx(&mut self, info: &mut RingInfo, tx: &mut [Desc], n: usize) -> i32 {
        let mut sent = 0;
        for d in tx.iter().take(n) {
            let len = (d.len as usize).min(self.slot_size);
            if info.features & FEATURE_GONE != 0 {
                info.tx_dropped += 1;
                continue;
            }
            let frame = self.region.base.add(d.off as usize);
            let (start, total) = if self.vnet {
                let gso = (d.flags >> 8) & 0xff;
                let mut h = virtio_net_hdr::default();
                if d.flags & DESC_CSUM_PARTIAL != 0 {
                    h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
                    h.csum_start = d.meta as u16;
                    h.csum_offset = (d.meta >> 16) as u16;
                }
                if gso != 0 {
                    h.gso_type = gso as u8;
                    h.gso_size = (d.flags >> 16) as u16;
                    // Headers end after the TCP header that starts at csum_start.
                    let l4 = h.csum_start as usize;
                    let doff = if l4 + 12 < len {
                        (*frame.add(l4 + 12) >> 4) as usize * 4
                    } else {
                        20
                    };
                    h.hdr_len = (l4 + doff) as u16;
                }
                let start = frame.sub(VNET_LEN);
                core::ptr::write_unaligned(start as *mut virtio_net_hdr, h);
                (start, len + VNET_LEN)
            } else {
                (frame, len)
            };
            let w = write(self.fd, start as *const c_void, total);
            if w < 0 {
                let e = errno();
                info.last_errno = e;
                // EIO: the link is down (not up yet, or set down): the frame is lost.
                if e == EAGAIN || e == ENOBUFS || e == EIO {
                    info.tx_dropped += 1;
                } else {
                    info.tx_errors += 1;
                    if e == EBADFD || e == ENODEV {
                        info.features |= FEATURE_GONE;
                    }
                }
                continue;
            }
            info.tx_frames += 1;
            info.tx_bytes += len as u64;
            sent += 1;
        }
        sent
    }

    /// Address, link state and queue length of the TAP's kernel side.
    pub(crate) fn configure(&self, addr: u32, prefix: u32) -> i32 {
        // SAFETY: ioctls on a socket we own with ifreq buffers we own.
        unsafe {
            let s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if s < 0 {
                return -errno();
            }
            let mut rc = 0;
            if addr != 0 {
                let mut req = ifreq {
                    ifr_name: self.name,
                    ifr_ifru: [0; 24],
                };
                req.set_inet(addr);
                if ioctl(s, SIOCSIFADDR, &mut req as *mut ifreq) < 0 {
                    rc = -errno();
                }
                let mask = if prefix == 0 {
                    0
                } else {
                    u32::MAX << (32 - prefix.min(32))
                };
                let mut req = ifreq {
                    ifr_name: self.name,
                    ifr_ifru: [0; 24],
                };
                req.set_inet(mask);
                if rc == 0 && ioctl(s, SIOCSIFNETMASK, &mut req as *mut ifreq) < 0 {
                    rc = -errno();
                }
            }
            // A deeper queue towards us (the kernel's default is 1000): a
            // burst the kernel sends faster than we drain (a SYN flood) then
            // costs latency, not the real clients' segments.
            let mut req = ifreq {
                ifr_name: self.name,
                ifr_ifru: [0; 24],
            };
            if rc == 0 && ioctl(s, SIOCGIFTXQLEN, &mut req as *mut ifreq) == 0 {
                let qlen = i32::from_ne_bytes([
                    req.ifr_ifru[0],
                    req.ifr_ifru[1],
                    req.ifr_ifru[2],
                    req.ifr_ifru[3],
                ]);
                if qlen < TAP_TX_QUEUE_LEN {
                    req.ifr_ifru[..4].copy_from_slice(&TAP_TX_QUEUE_LEN.to_ne_bytes());
                    ioctl(s, SIOCSIFTXQLEN, &mut req as *mut ifreq);
                }
            }
            let mut req = ifreq {
                ifr_name: self.name,
                ifr_ifru: [0; 24],
            };
            if rc == 0 && ioctl(s, SIOCGIFFLAGS, &mut req as *mut ifreq) == 0 {
                let f = req.short() | IFF_UP;
                req.set_short(f);
                if ioctl(s, SIOCSIFFLAGS, &mut req as *mut ifreq) < 0 {
                    rc = -errno();
                }
            } else if rc == 0 {
                rc = -errno();
            }
            close(s);
            rc
        }
    }

    pub(crate) fn close(&mut self) {
        // SAFETY: the descriptor and mapping are ours and closed once.
        unsafe {
            if self.fd >= 0 {
                close(self.fd);
                self.fd = -1;
            }
            self.region.release();
            self.mem = core::ptr::null_mut();
        }
    }
}
