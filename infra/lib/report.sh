# infra/lib/report.sh: ./qaflow report -- the analysis report (HTML, Markdown, charts) from the stack's database.

# cmd_report [--since T] [--until T] [--out DIR] [--experiments DIR]: runs tools/report.py on the stack's
# PostgreSQL. Defaults: --out $QAFLOW_VAR/report, --experiments $QAFLOW_VAR/experiments (when it exists).
cmd_report() {
  local -a args=()
  local out="$QAFLOW_VAR/report" experiments="$QAFLOW_VAR/experiments"
  while (($# > 0)); do
    case "$1" in
      --since | --until | --title) args+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
      --since=* | --until=* | --title=*) args+=("$1"); shift ;;
      --out) out="${2:?--out needs a folder}"; shift 2 ;;
      --out=*) out="${1#--out=}"; shift ;;
      --experiments) experiments="${2:?--experiments needs a folder}"; shift 2 ;;
      --experiments=*) experiments="${1#--experiments=}"; shift ;;
      -h | --help) python3 "$QAFLOW_ROOT/tools/report.py" --help; return 0 ;;
      *) qf_die "report: unknown argument '$1' (have --since T, --until T, --out DIR, --experiments DIR, --title T)" ;;
    esac
  done
  qf_need python3 psql gnuplot
  qf_has_fn postgres_ready && postgres_ready || qf_die "PostgreSQL is not running on port $QAFLOW_PG_PORT: ./qaflow up"
  python3 "$QAFLOW_ROOT/tools/report.py" --dsn "$(qf_pg_dsn)" --out "$out" --experiments "$experiments" "${args[@]}"
}
