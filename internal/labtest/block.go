package labtest

// blockInLabCode blocks until stop is closed. It lives in a non-test file so
// that the tests of Goroutines have "lab code" to find.
func blockInLabCode(stop <-chan struct{}) { <-stop }
