module golabs

go 1.25

require (
	github.com/BurntSushi/toml v1.6.0 // indirect
	github.com/stretchr/testify v1.12.1 // indirect
	go.uber.org/goleak v1.3.0 // indirect
)
