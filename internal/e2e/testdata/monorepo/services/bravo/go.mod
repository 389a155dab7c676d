module example.com/mono/bravo

go 1.24
