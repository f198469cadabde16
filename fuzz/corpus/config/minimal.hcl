storage "sqlite" { path = "writ.db" }
listener "tcp" { tls_disable = true }
