package configs

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// AddFeed appends f to the feed list of the config file at path, for
// "newswire feeds add". The feed goes into feeds_file when that is a YAML
// file, else into the config's own feeds list (also when feeds_file is OPML,
// which newswire does not write). A missing id is derived from the URL and
// written out, so that it stays stable.
//
// The file is edited as a YAML node tree, so comments and the order of keys
// survive, though yaml.v3 re-indents the file (two spaces) and may move a
// comment. The edited config is loaded in full before anything is written,
// and the file is replaced atomically (a temporary file in the same folder,
// then a rename). It is an error if the config does not load as it stands,
// or if a feed with f's id or URL exists.
func AddFeed(path string, f Feed) error {
	cur, err := (&loader{}).load(path)
	if err != nil {
		return err
	}
	f.URL = strings.TrimSpace(f.URL)
	if msg := checkFeedURL(f.URL); msg != "" {
		return errors.New(msg)
	}
	if f.ID == "" {
		f.ID = FeedIDFromURL(f.URL)
	} else if msg := checkFeedID(f.ID); msg != "" {
		return errors.New(msg)
	}
	if f.Interval != 0 && f.Interval.D() < time.Second {
		return fmt.Errorf("interval must be at least 1s, got %q", f.Interval)
	}
	for i, g := range cur.cfg.Feeds {
		switch {
		case g.ID == f.ID:
			return fmt.Errorf("feed id %q already exists (%s)", f.ID, cur.srcs[i].where())
		case g.URL == f.URL:
			return fmt.Errorf("feed URL %q already exists as %q (%s)", f.URL, g.ID, cur.srcs[i].where())
		}
	}
	target := cur.cfg.Path
	if cur.cfg.FeedsFile != "" && !isOPML(cur.cfg.FeedsFile) {
		target = cur.cfg.FeedsFile
	}
	return editFeeds(path, target, func(seq *yaml.Node) error {
		seq.Style &^= yaml.FlowStyle // "feeds: []" grows into a block list
		seq.Content = append(seq.Content, feedNode(f))
		return nil
	})
}

// RemoveFeed removes the feed with the given id from the config file at
// path, or from its YAML feeds_file if the feed is written there, for
// "newswire feeds remove". Feeds read from an OPML feeds_file cannot be
// removed this way. Editing, validation and writing are as for AddFeed.
func RemoveFeed(path, id string) error {
	cur, err := (&loader{}).load(path)
	if err != nil {
		return err
	}
	i := -1
	for j, g := range cur.cfg.Feeds {
		if g.ID == id {
			i = j
			break
		}
	}
	if i < 0 {
		return fmt.Errorf("no feed with id %q in %s", id, path)
	}
	src := cur.srcs[i]
	if src.opml {
		return fmt.Errorf("cannot remove feed %q: it comes from the OPML file %s, which newswire does not write: edit the OPML file or import it", id, src.file)
	}
	target := cur.cfg.Path
	if src.file != path {
		target = cur.cfg.FeedsFile
	}
	return editFeeds(path, target, func(seq *yaml.Node) error {
		if src.index >= len(seq.Content) {
			return fmt.Errorf("%s changed while it was being edited; try again", src.file)
		}
		seq.Content = append(seq.Content[:src.index], seq.Content[src.index+1:]...)
		return nil
	})
}

// where names the place a feed was written, for messages outside ErrorList.
func (s feedSource) where() string {
	if s.line > 0 {
		return fmt.Sprintf("%s:%d", s.file, s.line)
	}
	return s.file + " " + s.key
}

// editFeeds applies edit to the feeds list in target (the config at
// configPath or its feeds file), checks that the config still loads with the
// result, and only then replaces target.
func editFeeds(configPath, target string, edit func(seq *yaml.Node) error) error {
	data, err := os.ReadFile(target)
	if err != nil {
		return &Error{File: target, Msg: "cannot read: " + readError(err), Err: err}
	}
	doc, perr := parseYAML(data, target)
	if perr != nil {
		return ErrorList{perr}
	}
	if doc == nil {
		doc = &yaml.Node{}
	}
	if err := edit(feedsNode(doc)); err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("cannot write %s as YAML: %w", target, err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("cannot write %s as YAML: %w", target, err)
	}
	check := &loader{files: map[string][]byte{target: buf.Bytes()}}
	if _, err := check.load(configPath); err != nil {
		return fmt.Errorf("the edited %s would not load, so it was not written:\n%w", target, err)
	}
	return writeFileAtomic(target, buf.Bytes())
}

// feedNode is f as a YAML mapping, leaving out empty optional fields.
func feedNode(f Feed) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	add := func(k, v string) {
		m.Content = append(m.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k},
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v})
	}
	add("id", f.ID)
	add("url", f.URL)
	if f.Title != "" {
		add("title", f.Title)
	}
	if f.Interval != 0 {
		add("interval", f.Interval.String())
	}
	return m
}

// writeFileAtomic replaces path with data so that a reader (a reloading
// daemon) sees the old file or the new one, never half of one. It keeps the
// file's permissions and writes through a symlink to its target.
func writeFileAtomic(path string, data []byte) error {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}
