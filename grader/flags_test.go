package main

import (
	"testing"
	"time"

	"golabs/internal/report"
)

func TestFlags(t *testing.T) {
	if got := joinTags("solution, private", true); got != "solution,private" {
		t.Errorf("joinTags = %q", got)
	}
	if got := joinTags("", false); got != "" {
		t.Errorf("joinTags of nothing = %q", got)
	}
	var l listFlag
	l.Set("crawler,kv")
	l.Set("kv")
	l.Set("rpcfail")
	if got := l.String(); got != "crawler,kv,rpcfail" {
		t.Errorf("-lab crawler,kv -lab kv -lab rpcfail = %q", got)
	}
	if got := report.ShortDuration(90 * time.Second); got != "1m30s" {
		t.Errorf("report.ShortDuration(90s) = %q", got)
	}
	if got := report.ShortDuration(time.Minute); got != "1m" {
		t.Errorf("report.ShortDuration(1m) = %q", got)
	}
}
