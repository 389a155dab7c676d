module example.com/visits

go 1.25.0

require github.com/gomodule/redigo v1.9.3
