package bytesize

import "testing"

func TestParseFormat(t *testing.T) {
	for s, n := range map[string]int64{"2GiB": 2 << 30, "256MiB": 256 << 20, "512KiB": 512 << 10, "100B": 100, " 3 GiB ": 3 << 30} {
		if got, err := Parse(s); err != nil || got != n {
			t.Errorf("Parse(%q) = %d, %v; want %d", s, got, err, n)
		}
	}
	for _, s := range []string{"", "2", "2GB", "-1MiB", "0MiB", "1.5GiB", "GiB"} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted it", s)
		}
	}
	for n, s := range map[int64]string{2 << 30: "2 GiB", 3 << 29: "1.5 GiB", 256 << 20: "256 MiB", 100: "100 B"} {
		if got := Format(n); got != s {
			t.Errorf("Format(%d) = %q, want %q", n, got, s)
		}
	}
}
