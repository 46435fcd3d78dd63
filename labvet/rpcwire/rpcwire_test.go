package rpcwire_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"golabs/labvet/rpcwire"
)

func TestAnalyzer(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), rpcwire.Analyzer, "a")
}
