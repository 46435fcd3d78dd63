package faultnet

import (
	"fmt"
	"html"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"
)

// WriteTimeline draws events on a timeline, one lane per client and one bar
// per call from its request to its outcome, in a self-contained HTML page
// written under os.TempDir and named after test; it returns the page's
// path. A failure message points at it, as kvcheck's does at its history.
func WriteTimeline(test string, events []Event) (string, error) {
	name := regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(test, "_")
	f, err := os.CreateTemp("", "faultnet-"+name+"-*.html")
	if err != nil {
		return "", err
	}
	if err := drawTimeline(f, test, events); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), f.Close()
}

// A span is one call on the timeline.
type span struct {
	client, call int
	method, args string
	from, to     time.Duration
	events       []Event
}

// outcome names how a call ended, for its colour.
func (s *span) outcome() string {
	for _, e := range s.events {
		switch {
		case e.What == "reply":
			return "reply"
		case e.What == "request dropped", e.What == "reply dropped", e.What == "cut off",
			e.What == "server down", strings.HasPrefix(e.What, "failed"):
			return "lost"
		}
	}
	return "open"
}

// marks are the events drawn as a mark on their call's bar.
var marks = map[string]string{
	"request dropped":     "✕",
	"reply dropped":       "✕",
	"duplicated":          "2×",
	"delivered":           "●",
	"late copy delivered": "L",
}

func drawTimeline(w io.Writer, test string, events []Event) error {
	spans := map[[2]int]*span{}
	var order [][2]int
	var end time.Duration
	for _, e := range events {
		k := [2]int{e.Client, e.Call}
		s := spans[k]
		if s == nil {
			s = &span{client: e.Client, call: e.Call, method: e.Method, args: e.Args, from: e.At}
			spans[k] = s
			order = append(order, k)
		}
		s.to = e.At
		s.events = append(s.events, e)
		end = max(end, e.At)
	}
	clients := map[int]bool{}
	for _, s := range spans {
		clients[s.client] = true
	}
	var lanes []int
	for c := range clients {
		lanes = append(lanes, c)
	}
	sort.Ints(lanes)
	lane := map[int]int{}
	for i, c := range lanes {
		lane[c] = i
	}

	const width, left, laneH = 1200.0, 90.0, 28.0
	scale := (width - left - 20) / max(float64(end), 1)
	height := laneH*float64(len(lanes)) + 40
	var b strings.Builder
	fmt.Fprintf(&b, "<!doctype html><meta charset=utf-8><title>%s: the network's calls</title>\n", html.EscapeString(test))
	b.WriteString(`<style>body{font:13px sans-serif;margin:1em}rect.reply{fill:#8c8}rect.lost{fill:#e88}rect.open{fill:#ccc}` +
		`text{font-size:11px}text.mark{font-weight:bold}</style>` + "\n")
	fmt.Fprintf(&b, "<h1>%s</h1>\n<p>Every call a client made over the network, by time (%s in all). A bar runs from the "+
		"call's request to its last event: green, a reply came back; red, the call was lost (request or reply "+
		"dropped, cut off, failed); grey, still open. Marks: ● the server ran the handler, 2× the request was "+
		"duplicated, ✕ a message was dropped, L a late copy ran. Hover over a bar for its events. A retry is a "+
		"call of its own; Seq in the arguments is the Clerk's number for the request.</p>\n",
		html.EscapeString(test), end.Round(time.Microsecond))
	fmt.Fprintf(&b, "<svg width=%.0f height=%.0f>\n", width, height)
	for i, c := range lanes {
		fmt.Fprintf(&b, "<text x=4 y=%.0f>client %d</text>\n", 20+laneH*float64(i)+14, c)
	}
	for _, k := range order {
		s := spans[k]
		x := left + float64(s.from)*scale
		wd := max(float64(s.to-s.from)*scale, 2)
		y := 20 + laneH*float64(lane[s.client])
		var tip strings.Builder
		fmt.Fprintf(&tip, "client %d call %d: %s %s", s.client, s.call, s.method, s.args)
		for _, e := range s.events {
			fmt.Fprintf(&tip, "\n%+.1fms %s", float64(e.At)/float64(time.Millisecond), e.What)
		}
		fmt.Fprintf(&b, "<g><title>%s</title><rect class=%s x=%.1f y=%.0f width=%.1f height=18 rx=3></rect>",
			html.EscapeString(tip.String()), s.outcome(), x, y, wd)
		for _, e := range s.events {
			if m, ok := marks[e.What]; ok {
				fmt.Fprintf(&b, "<text class=mark x=%.1f y=%.0f>%s</text>", left+float64(e.At)*scale, y+13, m)
			}
		}
		b.WriteString("</g>\n")
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}
