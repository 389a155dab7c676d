module example.com/mono/delta

go 1.24
