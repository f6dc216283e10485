#!/bin/sh
# A self-signed certificate for the loopback addresses, valid 825 days: self-signed.sh CERT KEY
set -eu
mkdir -p "$(dirname "$1")" "$(dirname "$2")"
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
  -subj "/CN=scv local sites" -addext "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost" \
  -keyout "$2" -out "$1" 2>/dev/null
chmod 644 "$1"
