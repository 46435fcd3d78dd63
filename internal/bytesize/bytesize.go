// Package bytesize reads and writes sizes in binary units, as the catalogue
// and the grader's reports write them: "2GiB" in, "2 GiB" out.
package bytesize

import (
	"fmt"
	"strconv"
	"strings"
)

var units = []struct {
	suffix string
	n      int64
}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}

// Parse parses a size written with a binary unit: "2GiB", "256MiB",
// "512KiB", "100B".
func Parse(s string) (int64, error) {
	for _, u := range units {
		if num, ok := strings.CutSuffix(strings.TrimSpace(s), u.suffix); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
			if err != nil || n <= 0 || n > (1<<62)/u.n {
				break
			}
			return n * u.n, nil
		}
	}
	return 0, fmt.Errorf("%q is not a size: write it as a whole number and a unit, such as \"2GiB\", \"256MiB\" or \"512KiB\"", s)
}

// Format writes n bytes in the largest binary unit that divides it, or
// else with one decimal in the largest unit not above it: "2 GiB", "1.5 GiB".
func Format(n int64) string {
	for _, u := range units {
		if n >= u.n {
			if n%u.n == 0 {
				return fmt.Sprintf("%d %s", n/u.n, u.suffix)
			}
			return fmt.Sprintf("%.1f %s", float64(n)/float64(u.n), u.suffix)
		}
	}
	return fmt.Sprintf("%d B", n)
}
