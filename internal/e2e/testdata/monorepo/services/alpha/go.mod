module example.com/mono/alpha

go 1.24
