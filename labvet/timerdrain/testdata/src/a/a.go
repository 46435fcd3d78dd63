package a

import "time"

func reset(t *time.Timer, d time.Duration) {
	if !t.Stop() {
		<-t.C // want `<-t.C after t.Stop\(\) returned false blocks forever since Go 1.23`
	}
	t.Reset(d)
}

func drainSelect(t *time.Timer) {
	if !t.Stop() {
		select {
		case <-t.C: // a select with a default does not block
		default:
		}
	}
}

func fine(t *time.Timer, d time.Duration) {
	t.Stop()
	t.Reset(d)
	<-t.C
}

type other struct{ C chan int }

func (o *other) Stop() bool { return false }

func notATimer(o *other) {
	if !o.Stop() {
		<-o.C
	}
}
