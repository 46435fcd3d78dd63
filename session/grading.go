package session

// The grader's result channel (package gradehook) takes its secret before any
// student code runs. Go initialises a package only after every package it
// imports, so this provided file imports gradehook: keep it as it is.
import _ "golabs/internal/gradehook"
