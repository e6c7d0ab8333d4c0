package tag

// Confusion counts a topic's verdicts against labels, for measuring rules
// (`newswire topics test --jsonl`, the evaluation tests).
type Confusion struct{ TP, FP, FN, TN int }

// Add counts one verdict: got is the rules' answer, want the label.
func (c *Confusion) Add(got, want bool) {
	switch {
	case got && want:
		c.TP++
	case got:
		c.FP++
	case want:
		c.FN++
	default:
		c.TN++
	}
}

// Scores returns precision, recall and F1; all 0 when nothing was right.
func (c Confusion) Scores() (precision, recall, f1 float64) {
	if c.TP == 0 {
		return 0, 0, 0
	}
	precision = float64(c.TP) / float64(c.TP+c.FP)
	recall = float64(c.TP) / float64(c.TP+c.FN)
	return precision, recall, 2 * precision * recall / (precision + recall)
}

// Half returns the half of a labelled set an item belongs to, fixed by a
// hash of its id: "check" for about a third of the items, "tune" for the
// rest. Rules are tuned on the tune half; the check half says whether
// what was learnt holds on items nobody looked at while tuning.
func Half(id string) string {
	h := uint32(2166136261) // FNV-1a, 32 bits
	for i := 0; i < len(id); i++ {
		h = (h ^ uint32(id[i])) * 16777619
	}
	if h%3 == 0 {
		return "check"
	}
	return "tune"
}
