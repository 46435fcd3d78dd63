package grading

import (
	"context"
	"sync"

	"golabs/internal/catalog"
	"golabs/internal/report"
)

// Hunt builds lab's test binaries once and runs each test that sel selects
// n times, each run in a process of its own, as many at once as the grader
// has slots. The runs of all tests are interleaved, so that each test runs
// beside the others, as in grading. The error is a setup problem, as for
// grading.
func (g *Grader) Hunt(ctx context.Context, lab *catalog.Lab, sel Selection, n int) (*report.Flakes, error) {
	tests := sel.Tests(lab)
	bins, broken, err := g.Build(ctx, lab, tests, sel)
	if err != nil {
		return nil, err
	}
	h := &report.Flakes{Lab: lab}
	for _, b := range broken {
		h.Broken = append(h.Broken, b.BuildError())
	}
	for _, t := range tests {
		h.Tallies = append(h.Tallies, &report.Tally{Test: t})
	}
	g.expect(lab.ID, n*len(tests))
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	for range n {
		for _, tl := range h.Tallies {
			wg.Go(func() {
				r := g.Run(ctx, bins[tl.Test.Package], tl.Test)
				mu.Lock()
				tl.Add(r)
				mu.Unlock()
				g.ran(lab.ID)
			})
		}
	}
	wg.Wait()
	return h, nil
}
