storage "sqlite" {
  path = "db"
}
listener "tcp" {
  adress = "127.0.0.1:8200"
}
