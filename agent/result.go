package agent

import "github.com/klpkit/klpkit/scenario"

func resultEvent(err error) scenario.Event {
	ev := scenario.Event{Kind: scenario.EventResult, OK: err == nil}
	if err != nil {
		ev.Err = err.Error()
	}
	return ev
}
