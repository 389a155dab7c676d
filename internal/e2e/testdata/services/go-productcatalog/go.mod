module example.com/shop/productcatalog

go 1.26
