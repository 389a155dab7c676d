#!/bin/sh
# Regenerates syscalls_amd64.go from the Linux UAPI headers (linux-libc-dev).
set -eu
h=/usr/include/x86_64-linux-gnu/asm/unistd_64.h
{
echo '// Code generated from /usr/include/x86_64-linux-gnu/asm/unistd_64.h (Linux UAPI headers, Debian bookworm); DO NOT EDIT.'
echo '// Regenerate: see gen_syscalls.sh.'
echo
echo 'package verify'
echo
echo '// syscallsAMD64 names the x86_64 system calls by number: the notify agent'
echo '// turns the numbers the kernel reports into the names a profile lists.'
echo 'var syscallsAMD64 = map[int]string{'
awk '/^#define __NR_/ { n=$2; sub("__NR_","",n); printf "\t%s: \"%s\",\n", $3, n }' "$h"
echo '}'
} > syscalls_amd64.go
gofmt -w syscalls_amd64.go
