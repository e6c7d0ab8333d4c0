package feeds

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"syscall"
	"time"
)

// blockedAddrError is returned by the dialer's Control hook when the address
// about to be connected to is not a public unicast address.
type blockedAddrError struct {
	addr netip.Addr
}

// Error names the settings that lift the refusal: the config's poll
// section, which sets FetcherOptions.AllowPrivate and AllowHosts.
func (e *blockedAddrError) Error() string {
	return fmt.Sprintf("refused: resolves to a %s address (%s); allow it with poll.allow_private: true or add the host to poll.allow_hosts",
		addrKind(e.addr), e.addr)
}

// addrKind names the kind of non-public address addr is, for messages.
func addrKind(addr netip.Addr) string {
	addr = addr.Unmap()
	switch {
	case addr.IsLoopback():
		return "loopback"
	case addr.IsPrivate():
		return "private"
	case addr.IsLinkLocalUnicast():
		return "link-local"
	default:
		return "non-public"
	}
}

// dialFunc is the signature of http.Transport.DialContext.
type dialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// newDialContext returns the function the Fetcher's transport connects
// with. Unless allowPrivate is set, its Control hook inspects the address
// actually being connected to — after DNS resolution, for every address
// tried — so a host name that resolves (or later re-resolves, DNS
// rebinding) to an internal address is refused just like a literal one.
//
// allowHosts are exceptions (see FetcherOptions.AllowHosts): a host name
// is matched, case-insensitively, against the host being dialled, which
// is the request URL's host since the Fetcher uses no proxy; an IP address
// or CIDR prefix is matched against the resolved address.
func newDialContext(timeout time.Duration, allowPrivate bool, allowHosts []string) dialFunc {
	open := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	if allowPrivate {
		return open.DialContext
	}
	allow := newAllowList(allowHosts)
	guarded := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second,
		ControlContext: func(_ context.Context, _, address string, _ syscall.RawConn) error {
			return refuseNonPublic(address, allow)
		}}
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		if host, _, err := net.SplitHostPort(address); err == nil && allow.hasName(host) {
			return open.DialContext(ctx, network, address)
		}
		return guarded.DialContext(ctx, network, address)
	}
}

// allowList is a parsed FetcherOptions.AllowHosts.
type allowList struct {
	names    []string // lower case, without a trailing dot
	prefixes []netip.Prefix
}

func newAllowList(entries []string) allowList {
	var l allowList
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if p, err := netip.ParsePrefix(e); err == nil {
			l.prefixes = append(l.prefixes, p.Masked())
		} else if a, err := netip.ParseAddr(strings.Trim(e, "[]")); err == nil {
			a = a.Unmap()
			l.prefixes = append(l.prefixes, netip.PrefixFrom(a, a.BitLen()))
		} else if e != "" {
			l.names = append(l.names, normaliseHostName(e))
		}
	}
	return l
}

func normaliseHostName(h string) string {
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

func (l allowList) hasName(host string) bool {
	if len(l.names) == 0 {
		return false
	}
	return slices.Contains(l.names, normaliseHostName(host))
}

func (l allowList) hasAddr(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range l.prefixes {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// refuseNonPublic fails for an address that is neither public nor allowed.
func refuseNonPublic(address string, allow allowList) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return err
	}
	if !isPublicAddr(addr) && !allow.hasAddr(addr) {
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
