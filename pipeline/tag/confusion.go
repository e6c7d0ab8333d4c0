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
