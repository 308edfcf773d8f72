# vigil.bash - bash completion for vigil: commands, subcommands, options,
# files for -r/-c/-w/--policy, configuration keys for -o.
# Installed as /usr/share/bash-completion/completions/vigil.

# The keys -o takes (falco.yaml names); values follow the '='.
_vigil_option_keys="rules_files= priority= rule_matching= json_output= json_include_output_property=
json_include_tags_property= json_include_message_property= json_include_output_fields_property=
time_format_iso_8601= suggested_output= append_output.suggested_output= evaluate_enter_events= log_level=
buffered_outputs= output_timeout= outputs_queue.capacity= syscall_event_drops.threshold=
syscall_event_drops.actions= syscall_event_drops.rate= syscall_event_drops.max_burst=
syscall_event_drops.simulate_drops= stdout_output.enabled= file_output.enabled= file_output.filename=
file_output.keep_alive= syslog_output.enabled= program_output.enabled= program_output.program=
program_output.keep_alive= http_output.enabled= http_output.url= outputs.
container.engines.docker.enabled= container.engines.docker.sockets= container.engines.podman.enabled=
container.engines.podman.sockets= container.engines.podman.state_dirs= container.engines.containerd.enabled=
container.engines.containerd.state_dirs= container.engines.cri.enabled= container.engines.cri.state_dirs=
container.engine_timeout= container.label_max_len="

_vigil_session_opts="-r --rules -c --config -o --option --json -D -t -T -A -p --print --filter -w --write
-z --compress --stats -h --help"

# Values of the keys that have a fixed set.
_vigil_option_values()
{
	local key=${1%%=*}
	case $key in
	rule_matching) echo "first all" ;;
	priority) echo "emergency alert critical error warning notice informational debug" ;;
	log_level) echo "error warning info debug" ;;
	syscall_event_drops.actions) echo "log alert exit ignore log,alert" ;;
	*.enabled | json_* | time_format_iso_8601 | *suggested_output | evaluate_enter_events | buffered_outputs | \
		*.keep_alive | syscall_event_drops.simulate_drops) echo "true false" ;;
	esac
}

_vigil()
{
	local cur prev words cword
	if declare -F _init_completion >/dev/null; then
		_init_completion -n = || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi

	local cmd="" sub="" i
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-*) ;;
		*)
			if [[ -z $cmd ]]; then
				cmd=${words[i]}
			elif [[ -z $sub && ($cmd == rules || $cmd == policy || $cmd == capture || $cmd == console) ]]; then
				sub=${words[i]}
			fi
			;;
		esac
	done

	# arguments of options
	case $prev in
	-r | --rules | --policy)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -X '!*.@(yaml|yml)' -- "$cur") $(compgen -d -- "$cur"))
		return
		;;
	-c | --config)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -X '!*.@(yaml|yml)' -- "$cur") $(compgen -d -- "$cur"))
		return
		;;
	-w | --write | --policy-events)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	-o | --option)
		if [[ $cur == *=* ]]; then
			local vals
			vals=$(_vigil_option_values "$cur")
			COMPREPLY=($(compgen -P "${cur%%=*}=" -W "$vals" -- "${cur#*=}"))
		else
			compopt -o nospace 2>/dev/null
			COMPREPLY=($(compgen -W "$_vigil_option_keys" -- "$cur"))
		fi
		return
		;;
	--policy-mode)
		COMPREPLY=($(compgen -W "enforce monitor" -- "$cur"))
		return
		;;
	--events-format)
		COMPREPLY=($(compgen -W "json compact" -- "$cur"))
		return
		;;
	--allow-override-downgrade)
		COMPREPLY=($(compgen -W "sigkill" -- "$cur"))
		return
		;;
	-p | --print | --filter | -D | -t | -T | --duration | --ring-size | -k | --case)
		return
		;;
	esac

	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "run replay rules fields policy events console capture help --help --version" -- "$cur"))
		return
	fi

	case $cmd in
	run)
		COMPREPLY=($(compgen -W "$_vigil_session_opts --duration --ring-size --policy --policy-mode
			--allow-override-downgrade --policy-events --events-format --policy-socket --audit" -- "$cur"))
		;;
	replay)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$_vigil_session_opts" -- "$cur"))
		else
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -f -X '!*.@(scap|scap.gz|gz)' -- "$cur") $(compgen -d -- "$cur"))
		fi
		;;
	rules)
		if [[ -z $sub ]]; then
			COMPREPLY=($(compgen -W "check list explain test" -- "$cur"))
		elif [[ $cur == -* ]]; then
			case $sub in
			check) COMPREPLY=($(compgen -W "--strict -r --help" -- "$cur")) ;;
			test) COMPREPLY=($(compgen -W "-r --rules -o --option -c --config -k --case -l --list -v --verbose -h --help" -- "$cur")) ;;
			*) COMPREPLY=($(compgen -W "-r --help" -- "$cur")) ;;
			esac
		else
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -f -X '!*.@(yaml|yml)' -- "$cur") $(compgen -d -- "$cur"))
		fi
		;;
	policy)
		if [[ -z $sub ]]; then
			COMPREPLY=($(compgen -W "check list add delete" -- "$cur"))
		elif [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--allow-override-downgrade= --socket --help" -- "$cur"))
		else
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -f -X '!*.@(yaml|yml)' -- "$cur") $(compgen -d -- "$cur"))
		fi
		;;
	console)
		if [[ -z $sub ]]; then
			COMPREPLY=($(compgen -W "query" -- "$cur"))
		else
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		;;
	events)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-o --help" -- "$cur"))
		else
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		;;
	capture)
		if [[ -z $sub && $cur != -* ]]; then
			COMPREPLY=($(compgen -W "info" -- "$cur"))
		elif [[ $sub == info ]]; then
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -f -X '!*.@(scap|scap.gz|gz)' -- "$cur") $(compgen -d -- "$cur"))
		else
			COMPREPLY=($(compgen -W "-w --write -z --compress --duration --ring-size -r --rules -c --config -o --option --stats -h --help" -- "$cur"))
		fi
		;;
	fields)
		COMPREPLY=($(compgen -W "--json --help evt. proc. thread. user. group. fd. fs.path. container. k8s." -- "$cur"))
		;;
	esac
}

# extglob patterns in -X need it on when the function runs
shopt -s extglob
complete -F _vigil vigil
