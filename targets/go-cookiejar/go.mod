module conformatrix/targets/go-cookiejar

go 1.19
