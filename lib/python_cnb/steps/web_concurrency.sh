#!/bin/sh
# exec.d: sets WEB_CONCURRENCY (gunicorn's worker count) at container start from the container's
# own limits, unless the user set it. Formula: min(2 * CPUs + 1, memory / 256 MiB), at least 1.
# CPUs: the cgroup CPU quota rounded up (v2 cpu.max, v1 cfs quota/period), else online CPUs.
# Memory: the cgroup memory limit (v2 memory.max, v1 limit_in_bytes), else MemTotal.
# Writes TOML to fd 3, as the CNB launcher asks of exec.d programs.
[ -n "${WEB_CONCURRENCY:-}" ] && exit 0
cg=${PYTHON_CNB_CGROUP_ROOT:-/sys/fs/cgroup}
meminfo=${PYTHON_CNB_MEMINFO:-/proc/meminfo}

cpus=""
if [ -r "$cg/cpu.max" ]; then
    read -r quota period < "$cg/cpu.max"
elif [ -r "$cg/cpu/cpu.cfs_quota_us" ]; then
    quota=$(cat "$cg/cpu/cpu.cfs_quota_us"); period=$(cat "$cg/cpu/cpu.cfs_period_us" 2>/dev/null)
fi
case "${quota:-max}" in
    max|-1|"") ;;
    *) [ "${period:-0}" -gt 0 ] && cpus=$(( (quota + period - 1) / period )) ;;
esac
[ -n "$cpus" ] || cpus=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)

limit=""
if [ -r "$cg/memory.max" ]; then limit=$(cat "$cg/memory.max")
elif [ -r "$cg/memory/memory.limit_in_bytes" ]; then limit=$(cat "$cg/memory/memory.limit_in_bytes"); fi
total_kib=$(awk '/^MemTotal:/ {print $2}' "$meminfo" 2>/dev/null)
mem_mib=$(( ${total_kib:-1048576} / 1024 ))
case "$limit" in
    ""|max) ;;
    *) [ $(( limit / 1048576 )) -lt "$mem_mib" ] && mem_mib=$(( limit / 1048576 )) ;;  # v1 "no limit" is huge
esac

workers=$(( 2 * cpus + 1 ))
by_memory=$(( mem_mib / 256 ))
[ "$by_memory" -lt "$workers" ] && workers=$by_memory
[ "$workers" -lt 1 ] && workers=1
printf 'WEB_CONCURRENCY = "%s"\n' "$workers" >&3
