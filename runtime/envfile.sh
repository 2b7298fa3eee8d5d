# opencode-memory-pod: env-file reader, sourced by launch.sh and health.sh (POSIX sh: dash,
# busybox ash). The file is DATA: it is read line by line and never sourced or eval'd, so
# `$(...)`, backticks and quotes in values stay literal.
#
# Format: KEY=VALUE per line; blank lines and lines starting with # are skipped; an optional
# `export ` prefix is allowed; CRLF line ends are accepted; a value wholly inside matching single
# or double quotes has them removed and is taken literally; an unquoted value has surrounding
# blanks trimmed. Keys must match [A-Z_][A-Z0-9_]* (so no key can be one of the launcher's own
# lower-case variables) and must not be reserved: names that change how a shell, the dynamic loader
# or the container run (IFS, PATH, ENV, BASH_ENV, HOME, LD_*, ...) or the launcher's own (OMP_*).
# Other lines are reported with their number and the reason, and skipped; no value is printed.

omp_cr=$(printf '\r')
omp_tab=$(printf '\t')
omp_blank=" $omp_tab"

# omp_trim VALUE -> omp_trimmed (leading/trailing spaces and tabs removed)
omp_trim() {
  omp_trimmed=$1
  omp_trimmed=${omp_trimmed#"${omp_trimmed%%[!$omp_blank]*}"}
  omp_trimmed=${omp_trimmed%"${omp_trimmed##*[!$omp_blank]}"}
}

# omp_each_env FILE HANDLER
#   Calls HANDLER once per valid line, in file order, with omp_k (key), omp_v (value) and
#   omp_raw (the line as written, without its CR) set, and omp_lineno its line number.
#   Returns 1 (with a message on stderr) when FILE cannot be read.
omp_each_env() {
  omp_file=$1
  omp_handler=$2
  if [ ! -r "$omp_file" ] || [ -d "$omp_file" ]; then
    echo "opencode-memory-pod: cannot read env file $omp_file (each container's file is written from the host's env file by split-env.sh; create the host file, mode 0600, with KEY=VALUE lines)" >&2
    return 1
  fi
  omp_lineno=0
  while IFS= read -r omp_line || [ -n "$omp_line" ]; do
    omp_lineno=$((omp_lineno + 1))
    omp_line=${omp_line%"$omp_cr"}
    omp_raw=$omp_line
    omp_trim "$omp_line"
    omp_line=$omp_trimmed
    case $omp_line in
      '' | '#'*) continue ;;
      'export '* | "export$omp_tab"*) omp_trim "${omp_line#export}"; omp_line=$omp_trimmed ;;
    esac
    case $omp_line in
      *=*) ;;
      *) echo "opencode-memory-pod: $omp_file line $omp_lineno: no '=', skipped" >&2; continue ;;
    esac
    omp_trim "${omp_line%%=*}"
    omp_k=$omp_trimmed
    case $omp_k in
      '' | [0-9]* | *[!A-Za-z0-9_]*) echo "opencode-memory-pod: $omp_file line $omp_lineno: invalid name, skipped" >&2; continue ;;
      *[!A-Z0-9_]*) echo "opencode-memory-pod: $omp_file line $omp_lineno: $omp_k is not upper case ([A-Z_][A-Z0-9_]*), skipped" >&2; continue ;;
      IFS | PATH | ENV | BASH_ENV | CDPATH | HOME | SHELL | SHELLOPTS | BASHOPTS | POSIXLY_CORRECT | PS1 | PS2 | PS4 | OPTIND | OPTARG | PWD | OLDPWD | LD_* | BASH_FUNC_* | OMP_*)
        echo "opencode-memory-pod: $omp_file line $omp_lineno: $omp_k is reserved (it would change how the launcher or the container runs), skipped" >&2; continue ;;
    esac
    omp_trim "${omp_line#*=}"
    omp_v=$omp_trimmed
    case $omp_v in
      \"*\") [ ${#omp_v} -ge 2 ] && { omp_v=${omp_v#\"}; omp_v=${omp_v%\"}; } ;;
      \'*\') [ ${#omp_v} -ge 2 ] && { omp_v=${omp_v#\'}; omp_v=${omp_v%\'}; } ;;
    esac
    "$omp_handler"
  done <"$omp_file"
  return 0
}

# omp_load_env FILE KEYS
#   KEYS: "*" exports every key; otherwise a space-separated list of keys to export.
#   Sets omp_requirepass to the value of $OMP_REQUIREPASS_KEY when that key is present (not exported).
#   Returns 1 (with a message on stderr) when FILE cannot be read.
omp_load_env() {
  omp_keys=$2
  omp_each_env "$1" omp_load_one
}
omp_load_one() {
  if [ -n "${OMP_REQUIREPASS_KEY:-}" ] && [ "$omp_k" = "$OMP_REQUIREPASS_KEY" ]; then
    omp_requirepass=$omp_v
  fi
  case " $omp_keys " in
    *" * "* | *" $omp_k "*) export "$omp_k=$omp_v" ;;
  esac
}
