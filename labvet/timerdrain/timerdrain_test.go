package timerdrain_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"golabs/labvet/timerdrain"
)

func TestAnalyzer(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), timerdrain.Analyzer, "a")
}
