module fixture

go 1.25
