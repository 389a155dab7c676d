module example.com/shop/frontend

go 1.25.0

require github.com/gorilla/mux v1.8.1
