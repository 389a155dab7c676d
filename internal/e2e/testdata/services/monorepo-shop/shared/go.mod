module shop.example/shared

go 1.25.0
