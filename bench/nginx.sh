# Sourced by the benchmarks: nginx as a peer, with as many workers as writ has cores.
# bench_nginx DIR: writes DIR/nginx.conf with the http-block lines read from stdin
# (servers, upstreams) after the settings every benchmark shares, and starts nginx.
bench_nginx() {
  mkdir -p "$1/logs"
  {
    cat <<CONF
worker_processes 2;
pid $1/nginx.pid;
error_log $1/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $1/body; proxy_temp_path $1/proxy;
  fastcgi_temp_path $1/fcgi; uwsgi_temp_path $1/uwsgi; scgi_temp_path $1/scgi;
  keepalive_requests 10000000; keepalive_timeout 65s;
CONF
    cat
    echo "}"
  } >"$1/nginx.conf"
  nginx -c "$1/nginx.conf"
}
