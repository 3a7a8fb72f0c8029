#!/usr/bin/env bash
# Real-kernel test of podsg-cni: boots a Debian cloud kernel (it has 802.1Q, which the
# CI machine's kernel lacks) under qemu TCG with a busybox initramfs holding node,
# iproute2, nft, the built podsg code and a stub node agent; the VM runs the real plugin
# and reports `KTEST PASS|FAIL` lines and `kernel: N passed, M failed`.
#
# Exit 0 only when the VM printed that summary with at least one pass and no failure.
# Environment:
#   PODSG_KERNEL_CACHE     kernel cache, outside the repo (default ~/.cache/podsg-kernel)
#   PODSG_KERNEL_PACKAGE   pin the kernel package (default: what linux-image-cloud-amd64 depends on)
#   PODSG_KTEST_TIMEOUT    seconds before the VM is killed (default 600)
#   PODSG_KTEST_SELFCHECK  1: only the harness self-check (VLAN made by hand), no plugin needed
# See README.md next to this file.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${PODSG_KERNEL_CACHE:-$HOME/.cache/podsg-kernel}
timeout_s=${PODSG_KTEST_TIMEOUT:-600}
selfcheck=${PODSG_KTEST_SELFCHECK:-0}
modules=(8021q dummy veth nf_tables nft_ct) # insmod'ed in the VM with their dependencies
plugin_bin=examples/reference-daemon/bin/podsg-cni.js
plugin_dist=examples/reference-daemon/dist/bin/podsg-cni.js

log() { echo "kernel-test: $*"; }
die() {
  echo "kernel-test: FAILED: $*" >&2
  exit 1
}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

work=$(mktemp -d "${TMPDIR:-/tmp}/podsg-ktest.XXXXXX")
trap 'rm -rf "$work"' EXIT

# ---- 1. tools ----------------------------------------------------------------------------
missing=()
for pair in qemu-system-x86_64:qemu-system-x86 busybox:busybox-static cpio:cpio gzip:gzip \
  apt-get:apt apt-cache:apt dpkg-deb:dpkg node:nodejs ldd:libc-bin timeout:coreutils \
  flock:util-linux nsenter:util-linux unshare:util-linux nft:nftables openssl:openssl; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair%%:*} (Debian package ${pair#*:})")
done
[ -x /usr/bin/ip ] || missing+=("/usr/bin/ip (Debian package iproute2)")
if [ ${#missing[@]} -gt 0 ]; then
  die "missing tools: ${missing[*]}. .ci/run installs them; locally: apt-get install qemu-system-x86 busybox-static cpio iproute2 nftables"
fi
if ldd "$(command -v busybox)" >/dev/null 2>&1; then
  die "$(command -v busybox) is dynamically linked; the initramfs needs busybox-static"
fi

# ---- 2. the plugin -----------------------------------------------------------------------
mode=plugin
if [ "$selfcheck" = 1 ]; then
  mode=selfcheck
  log "PODSG_KTEST_SELFCHECK=1: harness self-check only, the plugin is not run"
elif [ ! -f "$repo/$plugin_dist" ]; then
  die "$plugin_dist is not built, so there is no podsg-cni to test. Run 'npm run test:kernel' (it builds first) or 'npm run build'. PODSG_KTEST_SELFCHECK=1 runs only the harness self-check."
fi

# ---- 3. kernel (cached outside the repo) -------------------------------------------------
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9 # one fetch at a time per cache

resolve_package() {
  local meta=linux-image-cloud-amd64
  [ -n "${PODSG_KERNEL_PACKAGE:-}" ] && {
    echo "$PODSG_KERNEL_PACKAGE"
    return
  }
  apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }' || true
}
package=$(resolve_package)
if [ -z "$package" ]; then
  log "apt does not know linux-image-cloud-amd64 yet: running apt-get update"
  apt-get update -qq >/dev/null 2>&1 || log "apt-get update failed"
  package=$(resolve_package)
fi
version=
[ -n "$package" ] && version=$(apt-cache show --no-all-versions "$package" 2>/dev/null | awk '/^Version:/ { print $2; exit }' || true)

if [ -n "$package" ] && [ -n "$version" ]; then
  entry="$cache/${package}_${version}"
else
  # Offline: fall back to the newest kernel already in the cache.
  entry=$(find "$cache" -mindepth 1 -maxdepth 1 -type d -name 'linux-image-*' | sort -V | tail -n 1)
  [ -n "$entry" ] || die "cannot resolve linux-image-cloud-amd64 with apt (offline? no apt sources?) and the cache $cache is empty"
  log "apt cannot resolve the kernel package; using the cached $(basename "$entry")"
fi

if [ ! -f "$entry/vmlinuz" ] || [ "$(cat "$entry/modules.wanted" 2>/dev/null)" != "${modules[*]}" ]; then
  [ -n "$version" ] || die "the cached kernel $entry is incomplete and apt cannot fetch it"
  started=$(now)
  mkdir -p "$cache/debs"
  deb=$(find "$cache/debs" -maxdepth 1 -name "${package}_${version//:/%3a}_*.deb" | head -n 1)
  if [ -z "$deb" ]; then
    log "downloading $package=$version"
    if ! (cd "$cache/debs" && apt-get download -q "$package=$version" 2>"$work/apt.err"); then
      [ -z "${PODSG_KTEST_APT_UPDATED:-}" ] || die "apt-get download $package=$version failed: $(cat "$work/apt.err")"
      # A stale package index names a version the mirror no longer has: refresh, start over.
      log "apt-get download failed ($(tail -n 1 "$work/apt.err")); running apt-get update and retrying"
      apt-get update -qq >/dev/null 2>&1 || true
      exec 9>&-
      rm -rf "$work"
      PODSG_KTEST_APT_UPDATED=1 exec bash "$0" "$@"
    fi
    deb=$(find "$cache/debs" -maxdepth 1 -name "${package}_*.deb" | head -n 1)
  fi
  [ -n "$deb" ] || die "no .deb for $package in $cache/debs after download"
  dpkg-deb -x "$deb" "$work/kernel"
  kver=$(ls "$work/kernel/lib/modules")
  staged="$entry.tmp.$$"
  rm -rf "$staged"
  mkdir -p "$staged"
  cp "$work/kernel/boot/vmlinuz-$kver" "$staged/vmlinuz"
  node "$here/kernel-modules.js" "$work/kernel/lib/modules/$kver" "$staged/modules" "${modules[@]}"
  echo "$package $version ($kver)" >"$staged/package"
  echo "${modules[*]}" >"$staged/modules.wanted"
  rm -rf "$entry" "$work/kernel"
  mv "$staged" "$entry"
  # Older kernels and their .debs are dead weight once a newer one is cached.
  find "$cache/debs" -maxdepth 1 -name 'linux-image-*.deb' ! -name "$(basename "$deb")" -delete
  log "cached $(cat "$entry/package") in $entry in $(since "$started")s"
fi
exec 9>&-
log "kernel: $(cat "$entry/package")"

# ---- 4. initramfs (built fresh each run: it must hold the current build) -----------------
started=$(now)
root="$work/root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib/modules/podsg,proc,sys,dev,run,tmp,root,etc,opt/cni/bin,podsg,podsg-ktest,var}
ln -s ../run "$root/var/run"

cp "$(command -v busybox)" "$root/bin/busybox"
for applet in $(busybox --list); do
  [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
install -m 0755 "$here/init.sh" "$root/init"

# A host binary at a path in the image, with the shared libraries it loads (ldd closure).
add_binary() {
  local source=$1 target=$2 lib
  mkdir -p "$root$(dirname "$target")"
  cp -L "$source" "$root$target"
  for lib in $(ldd "$source" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
    [ -e "$root$lib" ] || cp -L --parents "$lib" "$root"
  done
}
add_binary /usr/bin/ip /usr/bin/ip # by path: busybox sh prefers its own ip applet
add_binary "$(command -v nft)" /usr/sbin/nft
add_binary "$(command -v nsenter)" /usr/bin/nsenter
add_binary "$(command -v unshare)" /usr/bin/unshare
add_binary "$(command -v node)" /usr/bin/node
add_binary "$(command -v openssl)" /usr/bin/openssl # the walkthrough's webhook certificates
# Debian's Go ptp and host-local: the VM prints a branch ADD side by side with a ptp ADD.
for plugin in ptp host-local; do
  if [ -x "/usr/lib/cni/$plugin" ]; then add_binary "/usr/lib/cni/$plugin" "/opt/cni/bin/$plugin"; fi
done
if [ -f /etc/ssl/openssl.cnf ]; then
  mkdir -p "$root/etc/ssl" "$root/usr/lib"
  cp /etc/ssl/openssl.cnf "$root/etc/ssl/"
  cp -a /usr/lib/ssl "$root/usr/lib/"
fi
[ -d /etc/iproute2 ] && cp -a /etc/iproute2 "$root/etc/"
cp "$entry"/modules/*.ko "$entry/modules/load-order" "$root/lib/modules/podsg/"

# The built podsg code, in the repo's layout so node resolves it as it does on the host.
(
  cd "$repo"
  shopt -s nullglob
  tar -cf - --exclude='*.d.ts' --exclude='*.map' --exclude='*.spec.*' --exclude='*.bench.*' \
    --exclude='*.tsbuildinfo' package.json packages/*/package.json packages/*/dist \
    examples/reference-daemon/package.json examples/reference-daemon/bin examples/reference-daemon/dist \
    examples/reference-daemon/deploy node_modules/@podsg
) | tar -C "$root/podsg" -xf -
mkdir -p "$root/podsg/scripts/kernel-test"
cp "$here/walkthrough.js" "$here/stub-agent.js" "$root/podsg/scripts/kernel-test/"
# The walkthrough runs the whole daemon chain (emulators, controller, node agent), so the
# image also holds every production dependency (npm ls --omit=dev), without types and maps.
if [ "$mode" = plugin ]; then
  (cd "$repo" && npm ls --omit=dev --parseable --all 2>/dev/null | sed "s#^$repo/##" \
    | grep 'node_modules/' | grep -v 'node_modules/@podsg' | sort -u >"$work/production-packages")
  (cd "$repo" && tar -cf - --exclude='*.d.ts' --exclude='*.d.mts' --exclude='*.d.cts' --exclude='*.map' \
    --exclude='*.md' -T "$work/production-packages") | tar -C "$root/podsg" -xf -
fi

# Third-party packages: exactly those the podsg-cni bin loads (traced on the host).
host_checks="$root/podsg-ktest/host-checks"
: >"$host_checks"
if [ "$mode" = plugin ]; then
  trace="$work/trace"
  : >"$trace"
  version_status=0
  version_out=$(cd "$repo" && echo '{"cniVersion":"1.0.0"}' | CNI_COMMAND=VERSION PODSG_KTEST_TRACE="$trace" \
    node --import "$here/trace-imports.js" "$plugin_bin" 2>&1) || version_status=$?
  if [ "$version_status" != 0 ]; then
    echo "FAIL cni-bin/version-on-host: CNI_COMMAND=VERSION exited $version_status on the host: ${version_out:-(no output)}" \
      | tr '\n' ' ' >>"$host_checks"
    echo >>"$host_checks"
  else
    echo "PASS cni-bin/version-on-host" >>"$host_checks"
  fi
  grep '/node_modules/' "$trace" | sed -E 's#^(.*/node_modules/(@[^/]+/)?[^/]+)/.*#\1#' | sort -u >"$work/packages" || true
  heavy=$(grep -E '/node_modules/(@aws-sdk|@smithy|@kubernetes)/' "$work/packages" | sed "s#^$repo/##" | tr '\n' ' ' || true)
  if [ -n "$heavy" ]; then
    echo "FAIL cni-bin/lean: podsg-cni loads $heavy(it must import only @podsg/cni and @podsg/adapters-aws/linux)" >>"$host_checks"
  else
    echo "PASS cni-bin/lean" >>"$host_checks"
  fi
  while read -r dir; do
    case "$dir" in
      "$repo"/*) (cd "$repo" && tar -cf - "${dir#"$repo"/}") | tar -C "$root/podsg" -xf - ;;
      *) die "podsg-cni loads $dir, outside the repository" ;;
    esac
  done <"$work/packages"
  log "podsg-cni loads $(wc -l <"$trace") files; third-party packages: $(sed "s#^$repo/##" "$work/packages" | tr '\n' ' ')"
fi
cp "$here/in-vm-test.js" "$root/podsg-ktest/"
echo '{ "type": "module" }' >"$root/podsg-ktest/package.json"

(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$work/initramfs.gz"
log "initramfs: $(du -sm "$root" | cut -f1) MB unpacked, $(du -m "$work/initramfs.gz" | cut -f1) MB gzip, built in $(since "$started")s"

# ---- 5. boot -----------------------------------------------------------------------------
console="$work/console.log"
log "booting (qemu TCG, timeout ${timeout_s}s, mode $mode)"
# No NIC (no iPXE ROM); qboot, when qemu ships it, boots faster than SeaBIOS and keeps the
# console free of its escape sequences.
firmware=()
[ -f /usr/share/qemu/qboot.rom ] && firmware=(-bios qboot.rom)
started=$(now)
set +e
timeout -k 10 "$timeout_s" qemu-system-x86_64 -accel tcg -cpu max -m 2048 -nographic -no-reboot \
  -nic none "${firmware[@]}" -kernel "$entry/vmlinuz" -initrd "$work/initramfs.gz" \
  -append "console=ttyS0 panic=-1 quiet ktest.mode=$mode" </dev/null 2>&1 | tr -d '\r' | tee "$console"
qemu_status=${PIPESTATUS[0]}
set -e
elapsed=$(since "$started")
cp "$console" "$cache/last-console.log" 2>/dev/null || true

# ---- 6. verdict --------------------------------------------------------------------------
summary=$(grep -E '^kernel: [0-9]+ passed, [0-9]+ failed$' "$console" | tail -n 1 || true)
guest=$(sed -nE 's/^KTEST INFO in-vm test took ([0-9.]+)s; uptime at summary ([0-9.]+)s$/test \1s, boot-to-summary \2s (guest uptime)/p' "$console" | tail -n 1)
log "qemu ran ${elapsed}s (exit $qemu_status)${guest:+; $guest}"
if [ -z "$summary" ]; then
  echo "---- console tail"
  tail -n 60 "$console"
  why="exit status $qemu_status"
  [ "$qemu_status" = 124 ] && why="killed after ${timeout_s}s"
  die "the VM printed no summary ($why)"
fi
read -r passed failed < <(sed -E 's/^kernel: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/' <<<"$summary")
if [ "$failed" -ne 0 ] || [ "$passed" -lt 1 ]; then
  echo "---- failures"
  grep '^KTEST FAIL' "$console" || true
  die "$summary"
fi
log "$summary"
