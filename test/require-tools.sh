#!/bin/sh
# npm pretest: the unit tests run the launcher and health checks under real shells and servers
# (dash, busybox, redis from redis-tools) and verify units with systemd-analyze against podman's
# podman-kube@ template. Installs what is missing when run as root on Debian; otherwise says how.
missing=
command -v dash >/dev/null || missing="$missing dash"
command -v busybox >/dev/null || missing="$missing busybox"
command -v redis-cli >/dev/null && command -v redis-check-rdb >/dev/null || missing="$missing redis-tools"
command -v systemd-analyze >/dev/null && command -v systemd-escape >/dev/null || missing="$missing systemd"
[ -f /usr/lib/systemd/system/podman-kube@.service ] || missing="$missing podman"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian packages the tests use:$missing"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null && exit 0
fi
echo "the tests need these Debian packages:$missing  (apt-get install$missing)" >&2
exit 1
