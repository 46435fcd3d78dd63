package rpcsig_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"golabs/labvet/rpcsig"
)

func TestAnalyzer(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), rpcsig.Analyzer, "a")
}
