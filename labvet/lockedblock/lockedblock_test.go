package lockedblock_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"golabs/labvet/lockedblock"
)

func TestAnalyzer(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), lockedblock.Analyzer, "a", "b")
}
