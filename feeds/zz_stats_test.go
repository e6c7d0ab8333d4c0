package feeds

import (
	"os"
	"path/filepath"
	"testing"
)

func TestZZStats(t *testing.T) {
	dir := corpusDir(t)
	var maxNS, maxText float64
	for _, name := range corpusFiles(t, dir) {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		var s structureScan
		err := s.scan(b)
		ns := float64(s.nsWork) / float64(len(b))
		tx := float64(s.textWork) / float64(len(b))
		maxNS = max(maxNS, ns)
		maxText = max(maxText, tx)
		if ns > 0.3 || tx > 0.3 || err != nil {
			t.Logf("%s: len %d ns %d (%.2f/B) text %d (%.2f/B) err %v", name, len(b), s.nsWork, ns, s.textWork, tx, err)
		}
	}
	t.Logf("max ns %.2f/B text %.2f/B", maxNS, maxText)
}
