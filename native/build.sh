#!/bin/sh
# npm's install step for the native spawner (binding.gyp). A failed build never fails the
# install: procvisor then starts processes with child_process and says so once at start-up.
# Offline machines with the distribution's Node headers (/usr/include/node) build without
# downloading headers from nodejs.org. `--strict` (npm run build:native) fails on a failed build.
if [ -z "$npm_config_nodedir" ] && [ -f /usr/include/node/node_api.h ]; then
  npm_config_nodedir=/usr
  export npm_config_nodedir
fi
if node-gyp rebuild; then
  echo "procvisor: native spawner built (build/Release/procvisor_spawn.node)"
else
  echo "procvisor: the native spawner was NOT built; child_process will be used (see README, \"Spawner\")" >&2
  [ "$1" = "--strict" ] && exit 1
fi
exit 0
