module example.com/mono/golf

go 1.24
