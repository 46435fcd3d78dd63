package mismatch
