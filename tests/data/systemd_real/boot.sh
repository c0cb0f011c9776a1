#!/bin/sh
# Boots systemd as PID 1 of a new PID + mount (+ cgroup) namespace for
# tests/systemd_real.rs: `boot.sh ROOT`. Nothing outside the namespace
# changes: /tmp, /run, /var/tmp, /var/lib, /var/log and /dev are private
# tmpfs, /etc is ROOT/etc (a copy with the test's users and units),
# /nix/store is ROOT/store (the stub's store paths mapped to real programs).
# systemd's boot-time tmpfiles pass would otherwise empty the machine's /tmp;
# it is masked as well (see tests/common/systemd.rs).
set -eu
ROOT=$1
case "${2:-outer}" in
outer)
    # A cgroup of our own, so that systemd's hierarchy lives under it.
    CG=/sys/fs/cgroup/unified/atelier-systemd-$$
    mkdir "$CG"
    echo "$CG" > "$ROOT/cgroup"
    echo $$ > "$CG/cgroup.procs"
    exec unshare --cgroup --pid --fork --mount --mount-proc --propagation private \
        "$0" "$ROOT" inner
    ;;
inner)
    mount --make-rprivate /
    for d in /tmp /run /var/tmp /var/lib /var/log; do
        mount -t tmpfs -o mode=0755 tmpfs "$d"
    done
    chmod 1777 /tmp /var/tmp
    # A private /dev: journald links /dev/log, which must not appear on the machine.
    mount -t tmpfs -o mode=0755 tmpfs "$ROOT/dev"
    for n in null zero full random urandom tty; do
        touch "$ROOT/dev/$n"
        mount --bind "/dev/$n" "$ROOT/dev/$n"
    done
    mkdir "$ROOT/dev/pts" "$ROOT/dev/shm"
    mount -t devpts -o newinstance,ptmxmode=0666 devpts "$ROOT/dev/pts"
    ln -s pts/ptmx "$ROOT/dev/ptmx"
    mount -t tmpfs -o mode=1777 tmpfs "$ROOT/dev/shm"
    mount --move "$ROOT/dev" /dev
    mount --bind "$ROOT/etc" /etc
    mount --bind "$ROOT/store" /nix/store
    mount -t cgroup2 cgroup2 /sys/fs/cgroup
    sh "$ROOT/setup.sh"
    export container=atelier-test
    exec /lib/systemd/systemd --system --unit=atelier-test.target --show-status=no
    ;;
esac
