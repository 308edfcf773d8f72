#!/bin/sh
# check_man.sh - the man page renders without a warning (groff -ww, man
# --warnings), has the sections a man page needs, and documents every
# command `vigil --help` lists and every option of `vigil run --help`.
# usage: check_man.sh SOURCE_DIR VIGIL
set -u
page=$1/man/vigil.8 vigil=$2
if ! command -v groff >/dev/null || ! command -v man >/dev/null; then
	echo "SKIP: groff or man is not installed (groff-base, man-db)"
	exit 77
fi
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
w=$(groff -ww -z -man -Tutf8 "$page" 2>&1)
[ -z "$w" ] && ok "groff -ww: no warning" || bad "groff -ww: $w"
w=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
[ -z "$w" ] && ok "man --warnings: no warning" || bad "man --warnings: $w"
text=$(MANWIDTH=200 man -l "$page" 2>/dev/null)
for s in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS CONFIGURATION FILES SIGNALS "EXIT STATUS" EXAMPLES "SEE ALSO"; do
	echo "$text" | grep -q "^$s\$" && ok "section $s" || bad "no section $s"
done
# every command of vigil --help, and every long option of run --help
for c in $("$vigil" --help | sed -n 's/^  \([a-z]*\) .*/\1/p' | sort -u); do
	echo "$text" | grep -qE "^       $c( |\$)" && ok "command $c documented" || bad "command $c not documented"
done
for o in $("$vigil" run --help | grep -oE '^  (-[a-zA-Z], )?--[a-z-]+' | grep -oE -- '--[a-z-]+' | sort -u); do
	echo "$text" | grep -qF -- "$o" && ok "option $o documented" || bad "option $o of run --help not documented"
done
for k in rules_files priority rule_matching json_output syscall_event_drops outputs. container.engine_timeout; do
	echo "$text" | grep -qF "$k" && ok "key $k documented" || bad "key $k not documented"
done
for sig in SIGHUP SIGUSR1 SIGTERM; do
	echo "$text" | grep -q "$sig" && ok "signal $sig documented" || bad "signal $sig not documented"
done
# negative case: a broken request is reported
printf '.TH X 8\n.SH NAME\nx \\- y\n.BOGUSMACRO z\n\\f[Q]q\n' >"${TMPDIR:-/tmp}/vigil-man-neg.$$.8"
w=$(groff -ww -z -man "${TMPDIR:-/tmp}/vigil-man-neg.$$.8" 2>&1)
rm -f "${TMPDIR:-/tmp}/vigil-man-neg.$$.8"
[ -n "$w" ] && ok "groff -ww reports a broken page" || bad "groff -ww accepted a broken page"
exit $fail
