package unlockpath_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"golabs/labvet/unlockpath"
)

func TestAnalyzer(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), unlockpath.Analyzer, "a")
}
