module example.com/mono/foxtrot

go 1.24
