# writ server configuration
storage "sqlite" {
  path = "/var/lib/writ/writ.db"
}

listener "tcp" {
  address = "0.0.0.0:8200"
  tls_cert_file = "/etc/writ/tls.crt"
  tls_key_file = "/etc/writ/tls.key"
  tls_client_ca_file = "/etc/writ/ca.crt"
  tls_require_and_verify_client_cert = true
  tls_min_version = "tls13"
  max_request_size = 1048576
  max_request_duration = "2m"
}

listener "tcp" {
  address = "[::1]:8201"
  tls_disable = "true"
}

audit "file" {
  path = "/var/log/writ/audit.log"
  checkpoint_every = 500
}
audit "file" {
  path = "/var/log/writ/audit2.log"
}

limits {
  max_request_bytes = 2097152
  max_header_bytes = "32768"
  max_json_depth = 32
  max_string_bytes = 65536
  arena_cap = 8388608
  http_threads = 4
}

log_level = "debug"
default_lease_ttl = "1h"
max_lease_ttl = 86400
ui = true
disable_mlock = true
api_addr = "https://writ.example:8200"
cluster_name = "prod"
pid_file = "/run/writ.pid"
