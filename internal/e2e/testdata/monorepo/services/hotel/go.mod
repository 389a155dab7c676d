module example.com/mono/hotel

go 1.24
