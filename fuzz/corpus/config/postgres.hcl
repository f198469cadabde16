storage "postgresql" {
  connection_url = "postgres://x"
}
