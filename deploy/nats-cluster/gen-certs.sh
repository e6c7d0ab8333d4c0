#!/bin/sh
# Makes a throwaway CA and certificates for trying n1-tls.conf–n3-tls.conf
# and newswire-tls.yaml on one machine. Never use them for anything else.
#
#   sh deploy/nats-cluster/gen-certs.sh     # writes deploy/nats-cluster/certs/
#
# server.pem serves clients and routes (both ends of a route present it, so
# it is good for serverAuth and clientAuth) for localhost and 127.0.0.1;
# client.pem is newswire's client certificate. certs/ is git-ignored.
set -eu
dir="$(dirname "$0")/certs"
mkdir -p "$dir"
cd "$dir"
umask 077

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj "/CN=newswire example CA" -keyout ca-key.pem -out ca.pem 2>/dev/null

issue() { # name subject extensions
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "$2" -keyout "$1-key.pem" -out "$1.csr" 2>/dev/null
  printf '%s\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
    -days 30 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
  rm "$1.csr" "$1.ext"
}
issue server "/CN=nats" "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
extendedKeyUsage=serverAuth,clientAuth"
issue client "/CN=newswire" "extendedKeyUsage=clientAuth"
rm -f ca.srl
chmod 644 ca.pem server.pem client.pem
echo "wrote $(pwd): ca.pem, server.pem, server-key.pem, client.pem, client-key.pem"
