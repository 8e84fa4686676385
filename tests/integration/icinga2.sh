#!/bin/sh
# Runs Icinga 2 on DIR/icinga2.conf with every state directory inside DIR.
#   icinga2.sh validate DIR   icinga2 daemon -C (configuration check)
#   icinga2.sh run DIR [N]    start the daemon, wait until its PerfdataWriter has written N
#                             service check results (default 1; at most 30 s), print them,
#                             stop the daemon
set -eu
PATH="$PATH:/usr/sbin:/sbin" # icinga2 lives in /usr/sbin
mode=$1
dir=$2
want=${3:-1}
mkdir -p "$dir/run/icinga2" "$dir/data" "$dir/log" "$dir/cache" "$dir/spool" "$dir/perfdata"
chmod -R a+rwX "$dir" # icinga2 started as root drops to its own user
set -- -c "$dir/icinga2.conf" -DDataDir="$dir/data" -DLogDir="$dir/log" \
  -DCacheDir="$dir/cache" -DSpoolDir="$dir/spool" -DInitRunDir="$dir/run"
if [ "$mode" = validate ]; then
  exec icinga2 daemon -C "$@"
fi
# Its own session, so that the daemon and the processes it forks stop together.
setsid icinga2 daemon "$@" >"$dir/daemon.log" 2>&1 &
pid=$!
i=0
while [ $i -lt 300 ]; do
  if [ "$(cat "$dir"/perfdata/service-perfdata.[0-9]* 2>/dev/null | grep -c 'STATE::')" -ge "$want" ]; then
    break
  fi
  sleep 0.1
  i=$((i + 1))
done
# icinga2 forks workers that leave the session, so also stop whatever runs this config.
kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
pkill -KILL -f "$dir/icinga2.conf" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
i=0
while pgrep -f "$dir/icinga2.conf" >/dev/null 2>&1 && [ $i -lt 50 ]; do
  sleep 0.1
  i=$((i + 1))
done
if ! cat "$dir"/perfdata/service-perfdata.[0-9]* 2>/dev/null | grep 'STATE::'; then
  echo "icinga2 wrote no check result; its log:" >&2
  cat "$dir/daemon.log" >&2
  exit 1
fi
