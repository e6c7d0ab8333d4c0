package feeds

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// blockedAddrError is returned by the dialer's Control hook when the address
// about to be connected to is not a public unicast address.
type blockedAddrError struct {
	addr netip.Addr
}

func (e *blockedAddrError) Error() string {
	return fmt.Sprintf("refusing to connect to non-public address %s", e.addr)
}

// newDialer returns the dialer the Fetcher's transport connects with. When
// allowPrivate is false its Control hook inspects the address actually being
// connected to — after DNS resolution, for every address tried — so a host
// name that resolves (or later re-resolves, DNS rebinding) to an internal
// address is refused just like a literal one.
func newDialer(timeout time.Duration, allowPrivate bool) *net.Dialer {
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		d.ControlContext = refuseNonPublic
	}
	return d
}

// refuseNonPublic is a net.Dialer ControlContext hook.
func refuseNonPublic(_ context.Context, _, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return err
	}
	if !isPublicAddr(addr) {
		return &blockedAddrError{addr: addr}
	}
	return nil
}

// isPublicAddr reports whether addr is a globally routable unicast address.
// It refuses loopback, private (RFC 1918, fc00::/7), link-local, unspecified,
// multicast, and the IPv4 special-purpose blocks a fetcher has no business
// reaching (this-network, carrier-grade NAT, IETF protocol assignments,
// benchmarking, reserved and broadcast). IPv4-mapped and NAT64 IPv6
// addresses are judged by the IPv4 address they carry.
func isPublicAddr(addr netip.Addr) bool {
	addr = addr.Unmap()
	if addr.Is6() {
		// 64:ff9b::/96 well-known NAT64 prefix: the last 4 bytes are IPv4.
		b := addr.As16()
		if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && isZero(b[4:12]) {
			return isPublicAddr(netip.AddrFrom4([4]byte(b[12:16])))
		}
	}
	if !addr.IsValid() || addr.IsUnspecified() || addr.IsLoopback() || addr.IsPrivate() ||
		addr.IsLinkLocalUnicast() || addr.IsMulticast() || addr.IsLinkLocalMulticast() ||
		addr.IsInterfaceLocalMulticast() {
		return false
	}
	if addr.Is4() {
		a := addr.As4()
		switch {
		case a[0] == 0: // 0.0.0.0/8 this network
			return false
		case a[0] == 100 && a[1]&0xc0 == 64: // 100.64.0.0/10 carrier-grade NAT
			return false
		case a[0] == 192 && a[1] == 0 && a[2] == 0: // 192.0.0.0/24 IETF protocol assignments
			return false
		case a[0] == 198 && a[1]&0xfe == 18: // 198.18.0.0/15 benchmarking
			return false
		case a[0] >= 240: // 240.0.0.0/4 reserved, and broadcast
			return false
		}
	}
	return true
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
