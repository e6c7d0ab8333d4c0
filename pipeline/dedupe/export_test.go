package dedupe

// SetFailHook makes the stage call fail after each step (tests only).
func (s *Stage) SetFailHook(fail func(step string) error) { s.fail = fail }
