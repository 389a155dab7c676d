module shop.example/checkout

go 1.25.0

require shop.example/shared v0.0.0

replace shop.example/shared => ../../shared
