package daemon

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/nats-io/nats.go"

	"github.com/newswire/newswire/configs"
)

// natsContext is the part of a `nats context` file newswire uses
// (~/.config/nats/context/<name>.json, as the nats CLI writes it).
type natsContext struct {
	URL      string `json:"url"`
	Creds    string `json:"creds"`
	NKey     string `json:"nkey"`
	User     string `json:"user"`
	Password string `json:"password"`
	Token    string `json:"token"`
	Cert     string `json:"cert"`
	Key      string `json:"key"`
	CA       string `json:"ca"`
}

// contextPath is where the nats CLI keeps context name.
func contextPath(name string, getenv func(string) string) string {
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" {
		dir = filepath.Join(getenv("HOME"), ".config")
	}
	return filepath.Join(dir, "nats", "context", name+".json")
}

// NATSOptions turns the nats section of the config into the server URL and
// connection options: credentials file, NKey seed, user and password, token
// and TLS, with a named `nats context` filling what the config leaves unset.
func NATSOptions(n configs.NATS, getenv func(string) string) (string, []nats.Option, error) {
	if n.Context != "" {
		path := contextPath(n.Context, getenv)
		data, err := os.ReadFile(path)
		if err != nil {
			return "", nil, fmt.Errorf("nats context %q: %w", n.Context, err)
		}
		var c natsContext
		if err := json.Unmarshal(data, &c); err != nil {
			return "", nil, fmt.Errorf("nats context %s: %w", path, err)
		}
		for _, f := range []struct {
			dst *string
			src string
		}{
			{&n.URL, c.URL}, {&n.Creds, c.Creds}, {&n.NKey, c.NKey}, {&n.User, c.User},
			{&n.Password, c.Password}, {&n.Token, c.Token}, {&n.TLS.Cert, c.Cert}, {&n.TLS.Key, c.Key}, {&n.TLS.CA, c.CA},
		} {
			if *f.dst == "" {
				*f.dst = f.src
			}
		}
	}
	var opts []nats.Option
	if n.Creds != "" {
		opts = append(opts, nats.UserCredentials(n.Creds))
	}
	if n.NKey != "" {
		opt, err := nats.NkeyOptionFromSeed(n.NKey)
		if err != nil {
			return "", nil, fmt.Errorf("nats.nkey: %w", err)
		}
		opts = append(opts, opt)
	}
	if n.User != "" {
		opts = append(opts, nats.UserInfo(n.User, n.Password))
	}
	if n.Token != "" {
		opts = append(opts, nats.Token(n.Token))
	}
	if n.TLS.CA != "" {
		opts = append(opts, nats.RootCAs(n.TLS.CA))
	}
	if n.TLS.Cert != "" {
		opts = append(opts, nats.ClientCert(n.TLS.Cert, n.TLS.Key))
	}
	return n.URL, opts, nil
}
