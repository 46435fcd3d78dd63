package checkthenact_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"golabs/labvet/checkthenact"
)

func TestAnalyzer(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), checkthenact.Analyzer, "a")
}
