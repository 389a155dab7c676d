module github.com/acme/Tools/v2

go 1.25.1
