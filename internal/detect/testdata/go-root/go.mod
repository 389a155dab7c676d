module example.com/Billing_API

go 1.22.3

toolchain go1.22.5
