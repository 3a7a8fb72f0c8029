#!/bin/busybox sh
# The VM's /init (PID 1, busybox sh): mount the kernel file systems, load the 802.1Q
# module chain, run the in-VM test with the real node, and power off. The test prints
# `KTEST PASS|FAIL name` lines and the summary `kernel: N passed, M failed`; when it dies
# before its summary, init prints a failing one so the host never waits for nothing.
# Note: busybox sh runs its own `ip` applet ahead of PATH, so iproute2 is /usr/bin/ip.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root

/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox mkdir -p /dev/pts /dev/shm
/bin/busybox mount -t devpts devpts /dev/pts
/bin/busybox mount -t tmpfs tmpfs /run
/bin/busybox mount -t tmpfs tmpfs /tmp
/bin/busybox mkdir -p /run/netns /run/podsg
# /var/run is a symlink to /run in the image, so /var/run/netns is the tmpfs above.

echo "KTEST INFO kernel $(uname -r), uptime $(cut -d' ' -f1 /proc/uptime)s at init"

while read -r module; do
  [ -n "$module" ] || continue
  if ! out=$(insmod "/lib/modules/podsg/$module.ko" 2>&1); then
    echo "KTEST INFO insmod $module failed: $out"
  fi
done </lib/modules/podsg/load-order

/usr/bin/ip link set lo up

status=0
node /podsg-ktest/in-vm-test.js || status=$?
if [ ! -e /tmp/ktest-summary ]; then
  echo "KTEST FAIL in-vm-test: exited with status $status before printing its summary"
  echo "kernel: 0 passed, 1 failed"
fi

sync
poweroff -f
# poweroff -f only returns on failure; with -no-reboot a panic also ends qemu.
exit 1
