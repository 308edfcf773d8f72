#!/bin/sh
# gen.sh - regenerate src/event/event_table_gen.c from Debian's libscap (developer tool).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cc -o /tmp/vigil-dump-table "$here/dump_libscap_table.c" -Wl,--no-as-needed -lscap -ldl
/tmp/vigil-dump-table > "$here/../../src/event/event_table_gen.c"
