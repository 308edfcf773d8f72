#!/bin/bash
# check_completion.sh - drives the bash completion of vigil the way bash does
# (COMP_WORDS split at COMP_WORDBREAKS, then the completion function): the
# commands, subcommands, options, files for -r/-c, keys and values for -o;
# with bash-completion's helpers when installed, and without them.
# usage: check_completion.sh SOURCE_DIR
src=$1
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
helpers=/usr/share/bash-completion/bash_completion
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigil-compl.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/rules.d" "$tmp/conf"
touch "$tmp/rules.d/a.yaml" "$tmp/rules.d/b.yml" "$tmp/rules.d/notes.txt" "$tmp/conf/vigil.yaml" "$tmp/x.scap"

run_case() { # MODE: with or without bash-completion; prints one line of sorted results
	local mode=$1 line=$2
	bash --norc --noprofile -c '
		mode=$1 line=$2 src=$3 helpers=$4
		[[ $mode == with ]] && source "$helpers"
		source "$src/completion/vigil.bash"
		cd "$5"
		# split the line as readline does: words at blanks, "=" its own word
		COMP_LINE=$line COMP_POINT=${#line}
		read -ra COMP_WORDS <<<"${line//=/ = }"
		[[ $line == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		spec=$(complete -p vigil) || exit 3
		[[ $spec == "complete -F _vigil vigil" ]] || exit 4
		_vigil vigil "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		((${#COMPREPLY[@]})) && printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "
	' _ "$mode" "$line" "$src" "$helpers" "$tmp"
}

expect() { # MODE LINE EXPECTED
	local got
	got=$(run_case "$1" "$2")
	if [[ "$got" == "$3" ]]; then ok "[$1] '$2' -> $got"; else bad "[$1] '$2': got '$got', want '$3'"; fi
}

modes=without
if [[ -f $helpers ]]; then modes="with without"; else echo "note: bash-completion not installed, its helpers not used"; fi
for m in $modes; do
	expect $m "vigil " "--help --version capture events fields help policy replay rules run "
	expect $m "vigil re" "replay "
	expect $m "vigil rules " "check explain list test "
	expect $m "vigil policy " "add check delete list "
	expect $m "vigil capture " "info "
	expect $m "vigil run --pol" "--policy --policy-events --policy-mode --policy-socket "
	expect $m "vigil run -r rules.d/" "rules.d/a.yaml rules.d/b.yml "
	expect $m "vigil rules check rules.d/" "rules.d/a.yaml rules.d/b.yml "
	expect $m "vigil run -c conf/" "conf/vigil.yaml "
	expect $m "vigil replay x" "x.scap "
	expect $m "vigil run --policy-mode " "enforce monitor "
	expect $m "vigil rules test -" "--case --config --help --list --option --rules --verbose -c -h -k -l -o -r -v "
done
# -o: keys, then values after '=' (bash-completion rejoins "key=val"; bare
# bash sees "=" as its own word, so only the helper mode can complete values)
expect without "vigil run -o rule_m" "rule_matching= "
expect without "vigil replay -o container.engines.docker." \
	"container.engines.docker.enabled= container.engines.docker.sockets= "
if [[ -f $helpers ]]; then
	expect with "vigil run -o rule_m" "rule_matching= "
	expect with "vigil run -o rule_matching=" "rule_matching=all rule_matching=first "
	expect with "vigil run -o priority=w" "priority=warning "
	expect with "vigil run -o json_output=" "json_output=false json_output=true "
fi
# negative: a word that is no command completes to nothing
expect without "vigil zz" ""
exit $fail
