module example.com/mono/echo

go 1.24
