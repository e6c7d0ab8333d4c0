package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/newswire/newswire/configs"
)

// pollFeed asks the running daemon, at the config's http.listen, to poll
// the feed id now (POST /feeds/{id}/poll).
func pollFeed(ctx context.Context, e *env, configPath, id string) error {
	cfg, err := configs.Load(configPath, e.getenv)
	if err != nil {
		return usageError{err}
	}
	ids := make([]string, len(cfg.Feeds))
	for i, f := range cfg.Feeds {
		ids[i] = f.ID
	}
	if !slices.Contains(ids, id) {
		msg := fmt.Sprintf("no feed %q in %s", id, cfg.Path)
		if s := suggest(id, ids); s != "" {
			msg += fmt.Sprintf("\nDid you mean %q?", s)
		}
		return usagef("%s", msg)
	}
	addr := cfg.HTTP.Listen
	status, body, err := daemonRequest(ctx, http.MethodPost, "http://"+addr+"/feeds/"+url.PathEscape(id)+"/poll")
	if err != nil {
		return fmt.Errorf("no daemon answers at %s (the config's http.listen) — is `newswire run` running?", addr)
	}
	reply := strings.TrimSpace(string(body))
	switch status {
	case http.StatusAccepted, http.StatusOK:
		fmt.Fprintln(e.stdout, reply)
		return nil
	case http.StatusNotFound, http.StatusConflict:
		return fmt.Errorf("the daemon at %s: %s", addr, reply)
	default:
		return fmt.Errorf("the daemon at %s answered %d: %s", addr, status, reply)
	}
}
