storage "sqlite" { path = "/var/lib/writ/db" }
listener "tcp" {
  address = "[::1]:8200"
  tls_cert_file = "c.pem"
  tls_key_file = "k.pem"
  tls_client_ca_file = "ca.pem"
  tls_require_and_verify_client_cert = "true"
  tls_min_version = "tls12"
}
audit "file" { path = "a.log", checkpoint_every = "10" }
