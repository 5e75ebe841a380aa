# bash completion for c1onboard. The option lists are checked against `c1onboard CMD --help`
# by the test command (tests/package/install_layout.sh), so they cannot drift.
_c1onboard() {
	local cur prev words cword
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
		cword=$COMP_CWORD
	}
	local commands="validate plan apply drift offboard report config"
	if [ "$cword" -eq 1 ]; then
		COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
		return
	fi
	local cmd=${COMP_WORDS[1]} opts=""
	case $cmd in
	validate) opts="--log-format --cloudone-api-key --visionone-token --profile --quiet --verbose --help" ;;
	plan) opts="--concurrency --max-failures --strategy --only --retry-failed --keep-runs --shard --state-dir --reports-dir --rate --log-format --no-progress --cloudone-api-key --visionone-token --template-url --qs-bucket --qs-prefix --ca-bundle --http-timeout --profile --notify --wait-lock --detailed-exitcode --changes-only --quiet --verbose --help" ;;
	apply) opts="--concurrency --max-failures --strategy --only --retry-failed --keep-runs --shard --state-dir --reports-dir --rate --log-format --no-progress --fail-on-drift --cloudone-api-key --visionone-token --template-url --qs-bucket --qs-prefix --ca-bundle --http-timeout --profile --notify --wait-lock --quiet --verbose --help" ;;
	drift) opts="--concurrency --max-failures --only --retry-failed --keep-runs --shard --state-dir --reports-dir --rate --log-format --no-progress --fail-on-drift --cloudone-api-key --visionone-token --ca-bundle --http-timeout --profile --notify --wait-lock --quiet --verbose --help" ;;
	offboard) opts="--concurrency --max-failures --strategy --only --retry-failed --keep-runs --shard --state-dir --reports-dir --rate --log-format --no-progress --cloudone-api-key --visionone-token --template-url --qs-bucket --qs-prefix --ca-bundle --http-timeout --profile --notify --wait-lock --yes --quiet --verbose --help" ;;
	report) opts="--state-dir --reports-dir --log-format --run --merge --ca-bundle --quiet --verbose --help" ;;
	config)
		[ "$cword" -eq 2 ] && COMPREPLY=($(compgen -W "show" -- "$cur"))
		[ "$cword" -eq 3 ] && COMPREPLY=($(compgen -W "validate plan apply drift offboard report" -- "$cur"))
		return
		;;
	esac
	case $prev in
	--strategy) COMPREPLY=($(compgen -W "direct template" -- "$cur")); return ;;
	--log-format) COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
	--state-dir | --reports-dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
	--ca-bundle) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	else
		COMPREPLY=($(compgen -f -X '!*.csv' -- "$cur") $(compgen -d -- "$cur"))
	fi
}
complete -F _c1onboard c1onboard
