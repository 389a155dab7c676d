module example.com/mono/charlie

go 1.24
