package near

import "testing"

// The floors TestEvalDedupeDev holds the shipped rule to. The goal is
// precision ≥ 0.95 at recall ≥ 0.85. DefaultParams reach P 0.960 R 0.867 on
// all pairs (72 of 83) and P 1.000 R 0.928 on the pairs labelled certain.
// The three false merges are uncertain pairs whose text cannot tell a copy
// from an independent write-up (near-identical headline and first
// sentence; one outlet's photo gallery under the agency's headline): the
// floors are pinned there rather than bought by rules fitted to single
// pairs. Cross-validated (TestCrossValidateDedupeDev), choosing the two
// headline knobs of this version fold by fold gives P 0.959 R 0.85.
const (
	wantPrecision        = 0.95
	wantRecall           = 0.86
	wantPrecisionCertain = 0.95
	wantRecallCertain    = 0.92
)

// TestDefaultParams pins the measured thresholds: changing one is a
// decision to re-measure (TestEvalDedupeDev, TestCrossValidateDedupeDev),
// not a side effect.
func TestDefaultParams(t *testing.T) {
	want := Params{
		Jaccard: 0.9, Containment: 0.7, Support: 0.5, MinShingles: 4,
		Headline: 0.9, HeadlineLonger: 0.7, HeadlineMinShared: 8,
		CorroboratedContainment: 0.5, CorroboratedHeadline: 0.6, CorroboratedMinShared: 6,
		HeadlineOnly: 0.8, HeadlineOnlyMinShared: 3,
	}
	if got := DefaultParams(); got != want {
		t.Errorf("DefaultParams() = %+v\nwant %+v", got, want)
	}
	if got, want := DefaultBanding(), (Banding{BodyBands: 20, BodyRows: 1, HeadBands: 12, HeadRows: 3}); got != want {
		t.Errorf("DefaultBanding() = %+v, want %+v", got, want)
	}
	if DefaultKeyLimit != 16 {
		t.Errorf("DefaultKeyLimit = %d, want 16", DefaultKeyLimit)
	}
}
