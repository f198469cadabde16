path "a" {
  capabilities = ["read"]
}
path "a" {
  capabilities = ["deny"]
}
path "a/*" { capabilities = ["sudo"] }
