package dedupe

// SetFailHook makes the stage call fail after each step (tests only).
func (s *Stage) SetFailHook(fail func(step string) error) { s.fail = fail }

// RandomText is randomText for the external tests.
var RandomText = randomText
